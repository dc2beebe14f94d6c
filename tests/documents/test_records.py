"""Documents as records (issue 11): produced when their event commits, stored with a hash,
served from the store, versioned by corrections; attachments; the 卷宗 assembled from them."""

import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from mediation.actions import services
from mediation.documents import records
from mediation.documents.kinds import court_case_number
from mediation.errors import InvalidFields
from mediation.events import record_event
from mediation.law.choices import EventType, State
from mediation.models import Attachment, Case, CaseEvent, Document

from .conftest import add_session, agree, assert_in_order, flat, page_count, pdftotext


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def png_bytes(w=400, h=300, color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(w=300, h=400):
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (30, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def pdf_bytes(pages=2, text="EVIDENCE-PAGE"):
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    for n in range(pages):
        canvas.drawString(100, 700, f"{text}-{n + 1}")
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def upload(client, case, kind, name, data):
    return client.post(
        f"/api/cases/{case.pk}/attachments/",
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type="image/png")},
        format="multipart",
    )


def test_documents_are_produced_when_their_events_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.ACCEPTED)
    docs = {d.kind: d for d in Document.objects.filter(case=case)}
    assert set(docs) == {"application", "acceptance", "rights_notice"}
    acceptance = docs["acceptance"]
    accept_event = CaseEvent.objects.filter(
        case=case, type=EventType.CASE_TRANSITIONED, payload__data__transition="accept"
    ).get()
    assert acceptance.event_id == accept_event.pk and acceptance.version == 1
    data = records.read(acceptance, full=True)
    assert hashlib.sha256(data).hexdigest() == acceptance.sha256
    # the acceptance form records what was known then: no consent claimed yet
    text = flat(pdftotext(data), case.number)
    assert "当事人同意调解" not in text and "调解开始前，将征询被申请人是否同意调解" in text
    assert "调解期限" in text
    # a rolled-back transition leaves no document
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(InvalidFields):
            services.perform(case, "begin", world.mediator, {})
    assert Document.objects.filter(case=case).count() == 3


def test_stored_not_regenerated_and_corrections_version(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.MEDIATING)
        add_session(world, case, "第一次调解。")
    client = client_for(world.mediator)
    url = f"/api/cases/{case.pk}/documents/acceptance.pdf"
    first = client.get(url).content
    # later state changes do not touch the stored form
    with django_capture_on_commit_callbacks(execute=True):
        case = agree(world, case)
    assert client.get(url).content == first
    # a correction of the summary (as the case-correction service does it)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(summary="双方因院墙排水沟改建发生争执。")
            event = record_event(case, EventType.CASE_UPDATED, world.head, {"record": "correction"})
            records.after_correction(case, ["summary"], event)
    versions = client.get(url + "?version=").json()["versions"]
    assert [(v["version"], v["reason"], v["current"]) for v in versions] == [
        (1, "event", False),
        (2, "correction", True),
    ]
    old = client.get(url + "?version=1").content
    assert old == first  # byte-identical
    assert hashlib.sha256(old).hexdigest() == versions[0]["sha256"]
    new = client.get(url).content
    assert "院墙排水沟改建" in flat(pdftotext(new)) and "院墙排水沟改建" not in flat(pdftotext(old))
    # only the documents that print the summary got a new version
    kinds = dict(
        Document.objects.filter(case=case, reason="correction").values_list("kind", "version")
    )
    assert set(kinds) == {"application", "acceptance", "agreement"}
    assert not Document.objects.filter(case=case, kind="rights_notice", version=2).exists()
    assert not Document.objects.filter(case=case, kind="session_record", version=2).exists()
    assert client.get(url + "?version=9").status_code == 404


def test_backfill_for_cases_without_stored_records(world):
    case = world.make_case(State.ACCEPTED)  # on-commit work not run: nothing stored
    assert not Document.objects.filter(case=case).exists()
    response = client_for(world.mediator).get(f"/api/cases/{case.pk}/documents/acceptance.pdf")
    assert response.status_code == 200
    doc = Document.objects.get(case=case, kind="acceptance")
    assert doc.reason == "backfill" and records.read(doc, full=True) == response.content


def test_masked_copy_for_partners(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.AGREED)
    text = pdftotext(
        client_for(world.supervisor).get(f"/api/cases/{case.pk}/documents/agreement.pdf").content
    )
    assert "640303********0030" in text and "640303195503010030" not in text


def test_attachment_upload_by_content_and_download(world):
    case = world.make_case(State.MEDIATING)
    client = client_for(world.mediator)
    response = upload(client, case, "id_copy", "身份证.png", png_bytes())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == "image/png" and body["kind"] == "id_copy"
    att = Attachment.objects.get(pk=body["id"])
    assert att.name == "身份证.png"
    assert "身份证" not in att.file.name and att.file.name.startswith("attachments/")
    # a JPEG named .pdf is a JPEG
    jpeg = upload(client, case, "evidence", "scan.pdf", jpeg_bytes())
    assert jpeg.status_code == 201 and jpeg.json()["content_type"] == "image/jpeg"
    detail = client.get(f"/api/cases/{case.pk}/").json()
    assert [a["id"] for a in detail["attachments"]] == [att.pk, jpeg.json()["id"]]
    got = client.get(f"/api/cases/{case.pk}/attachments/{att.pk}")
    assert got.status_code == 200 and got.content == png_bytes()
    assert got["Content-Type"] == "image/png"
    records_ = [
        e.payload["data"]["record"]
        for e in CaseEvent.objects.filter(case=case, type=EventType.CASE_UPDATED)
    ]
    assert records_.count("attachment") == 2 and records_.count("attachment_download") == 1
    # outsiders see nothing
    outsider = client_for(world.outsider)
    assert outsider.get(f"/api/cases/{case.pk}/attachments/{att.pk}").status_code == 404
    assert upload(outsider, case, "other", "x.png", png_bytes()).status_code == 404
    # an id of another case is not found through this case
    other = world.make_case(State.MEDIATING)
    assert client.get(f"/api/cases/{other.pk}/attachments/{att.pk}").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("photo.png", b"MZ\x90\x00\x03" + b"\x00" * 200, "只接受PDF、JPEG或PNG文件"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 30, "图片文件已损坏"),
        ("doc.pdf", b"%PDF-1.7\nnot really a pdf", "PDF文件已损坏"),
    ],
)
def test_wrong_type_is_400_and_nothing_stored(world, name, data, reason):
    case = world.make_case(State.MEDIATING)
    response = upload(client_for(world.mediator), case, "evidence", name, data)
    assert response.status_code == 400
    assert reason in response.json()["errors"]["file"][0]
    assert not Attachment.objects.filter(case=case).exists()


def test_too_big_and_archived_are_400(world, settings, tmp_path):
    settings.ATTACHMENT_MAX_BYTES = 50_000
    case = world.make_case(State.MEDIATING)
    client = client_for(world.mediator)
    big = png_bytes(800, 800)
    big += b"\x00" * (60_000 - len(big))
    response = upload(client, case, "evidence", "big.png", big)
    assert response.status_code == 400
    assert "文件超过" in response.json()["errors"]["file"][0]
    archived = world.make_case(State.ARCHIVED)
    response = upload(client_for(world.head), archived, "receipt", "r.png", png_bytes())
    assert response.status_code == 400
    assert "已归档" in response.json()["errors"]["file"][0]
    assert not Attachment.objects.exists()
    media = tmp_path / "media" / "attachments"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))
    bad_kind = upload(client, case, "selfie", "x.png", png_bytes())
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()["errors"]


def test_case_file_files_attachments_in_place(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.MEDIATING)
        add_session(world, case, "第一次调解。")
    client = client_for(world.mediator)
    assert upload(client, case, "id_copy", "马建国身份证.png", png_bytes()).status_code == 201
    assert upload(client, case, "evidence", "照片.jpg", jpeg_bytes()).status_code == 201
    assert upload(client, case, "evidence", "鉴定.pdf", pdf_bytes(2)).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        case = agree(world, case)
        today = timezone.localdate().isoformat()
        visit = {"date": today, "performed": True, "early_reason": "已付清"}
        services.add_follow_up(case, world.mediator, visit)
        assert upload(client, case, "receipt", "收条.png", png_bytes()).status_code == 201
        case = services.perform(case, "close", world.mediator, {"note": "已履行"})
        case = services.perform(case, "archive", world.head)
    stored = Document.objects.get(case=case, kind="case_file")
    pdf = records.read(stored, full=True)
    text = pdftotext(pdf)
    assert_in_order(
        text,
        [
            "卷内目录",
            "人民调解权利义务告知书",
            "身份证明：马建国身份证.png",
            "证据材料：照片.jpg",
            "证据材料：鉴定.pdf",
            "人民调解记录",
            "人民调解协议书",
            "履行凭证：收条.png",
            "人民调解回访记录",
            "案件流转记录",
            "卷内备考表",
            # then the volume itself in that order
            "人民调解申请书",
            "人民调解权利义务告知书",
            "身份证明：马建国身份证.png",
            "证据材料：照片.jpg",
            "EVIDENCE-PAGE-1",
            "EVIDENCE-PAGE-2",
            "人民调解记录",
            "人民调解协议书",
            "履行凭证：收条.png",
            "人民调解回访记录",
            "案件流转记录",
            "卷内备考表",
        ],
        case.number,
    )
    assert stored.pages == page_count(pdf)
    # the appended PDF carries its 卷内页号 as well
    page = next(n for n in range(1, stored.pages + 1) if "EVIDENCE-PAGE-1" in pdftotext(pdf, n))
    assert str(page - 2) in pdftotext(pdf, page).split()
    # served from the store to the handling organisation
    got = client_for(world.head).get(f"/api/cases/{case.pk}/documents/case_file.pdf")
    assert got.content == pdf


def test_judicial_network_issues_a_mediation_statement(world, font_mode):
    case = world.make_case(State.AGREED, org=world.court)
    from mediation import documents

    ok, why = documents.applies("agreement", case)
    assert not ok and "民事调解书" in why
    pdf = documents.render("mediation_statement", case)
    text = pdftotext(pdf)
    number = court_case_number(case)
    # the court's own number: its code and the civil first-instance type, no 字第
    assert re.fullmatch(r"（20\d\d）宁0303民初[1-9]\d*号", number)
    assert_in_order(
        text,
        [
            "红寺堡区人民法院",
            "民事调解书",
            number,
            "原告：马建国",
            "被告：杨学军",
            "本院于",
            "诉讼请求",
            "请求改建排水沟。",
            "本案经本院主持调解，当事人自愿达成如下协议",
            "被告于十日内改建排水沟并赔偿原告三千元。",  # the court's words
            "案件受理费50元，减半收取计25元，由原告马建国负担",
            "本调解书经各方当事人签收后，即具有法律效力",
            "《中华人民共和国民事诉讼法》第一百条第三款",
            "审判员",
            "红寺堡区人民法院（院印）",
            "书记员海春燕",
        ],
    )
    body = flat(text)
    # one number (the court's), no QR code, no sign-off lines: service is by 送达回证
    assert case.number not in body and "扫码查询" not in text
    assert "当事人签收：" not in body and "签收日期" not in body
    assert "人民调解法" not in flat(text)
    assert "调解协议书" not in flat(text)


def test_administrative_traffic_cites_its_field_law(world, font_mode):
    from mediation import documents

    case = world.make_case(State.FAILED, org=world.traffic_police, category="traffic")
    text = flat(pdftotext(documents.render("rights_notice", case)))
    assert "《中华人民共和国道路交通安全法》第七十四条" in text and "人民调解法" not in text
    text = flat(pdftotext(documents.render("termination_notice", case)))
    assert "本机关" in text and "道路交通安全法" in text and "人民调解法" not in text
    assert "人民调解" not in flat(pdftotext(documents.render("acceptance", case)))


def test_text_fixes(world, font_mode):
    from mediation import documents

    # no application form where no party applied
    referred = world.make_case(State.REGISTERED, channel="proactive")
    ok, why = documents.applies("application", referred)
    assert not ok and "未提交调解申请书" in why
    # a refusal before mediation began cites PML art 17, not art 26
    refused = world.make_case(State.ACCEPTED)
    refused = services.perform(
        refused, "fail", world.mediator, {"reason": "party_refused", "routes": "可向法院起诉"}
    )
    text = flat(pdftotext(documents.render("termination_notice", refused)))
    assert "《中华人民共和国人民调解法》第十七条" in text and "第二十六条" not in text
    assert "因，" not in text
    # litigation without a named court goes to 有管辖权的人民法院, never a 诉讼机关
    failed = world.make_case(State.FAILED)
    failed = services.perform(failed, "refer", world.mediator, {"route": "litigation"})
    text = flat(pdftotext(documents.render("transfer_letter", failed)))
    assert "有管辖权的人民法院提起诉讼" in text and "诉讼机关" not in text
    assert "因，" not in text
    # a court does not send a case to itself
    court_case = world.make_case(State.FAILED, org=world.court)
    court_case = services.perform(court_case, "refer", court_case.mediator, {"route": "litigation"})
    text = flat(pdftotext(documents.render("transfer_letter", court_case)))
    assert "本院将依法登记立案" in text and "红寺堡区人民法院：" not in text
    assert "移送你单位" not in text
    # a decline gives its own notice with the reason and the routes
    declined = world.make_case(State.DECLINED)
    text = flat(pdftotext(documents.render("decline_notice", declined)))
    assert "因不属于受理范围，本委员会决定不予受理" in text and "可向法院起诉" in text


def test_parallel_renders_keep_their_font_subsets(agreed_case, ttf_font):
    """Requests render in threads: reportlab's shared TrueType subsetting state must not
    be corrupted by two builds at once."""
    import threading

    from mediation.documents import Ctx, fonts, render_section

    font = fonts.font_name("ttf")
    ctxs = []
    for _ in range(6):
        ctx = Ctx(agreed_case, font=font)
        _preload = (ctx.org, ctx.links, ctx.agreement, ctx.events, ctx.mediator_name)
        ctxs.append(ctx)
    results, errors = [], []

    def work(ctx):
        try:
            for _ in range(3):
                results.append(render_section("agreement", ctx, 0))
        except Exception as exc:  # any failure in a thread is the finding
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(c,)) for c in ctxs]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and len(results) == 18
    for pdf in results[::5]:
        assert "被申请人于十日内改建排水沟并赔偿申请人三千元。" in pdftotext(pdf)
