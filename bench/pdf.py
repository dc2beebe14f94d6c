"""PDF documents (issues 6 and 11): in-process, the font registered once before timing.

Figures: the agreement (调解协议书) with the embedded TrueType font, median of many runs
(target ≤ 30 ms); the case file (卷宗) assembled from 30 stored documents with 10 image
attachments and 2 appended PDFs (target ≤ 1.5 s); and beside them the reference figure —
a 2-page A4 PDF with 1,500 Chinese characters in the built-in CID font.

The case is built in memory (unsaved model instances, rows handed to the document
context), and the stored records and attachments are handed in as bytes, so the figures
are the PDF work alone, not database or disk reads.
"""

import datetime as dt
import io
import statistics
import time


def _median_ms(fn, runs):
    fn()  # warm: styles, font subsets' first use
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def _world():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from mediation.models import (
        Agreement,
        Case,
        CaseEvent,
        CaseParty,
        FollowUp,
        MediationSession,
        Organization,
        Party,
    )

    User = get_user_model()
    now = timezone.now()
    org = Organization(name="红寺堡镇人民调解委员会", short_code="红", kind="people_committee")
    mediator = User(username="mediator", last_name="马", first_name="桂兰")
    case = Case(
        number="（2026）红人调字第0007号",
        network="people",
        org=org,
        registering_org=org,
        mediator=mediator,
        channel="walk_in",
        category="neighbour",
        summary="双方因院墙排水问题发生争执。申请人称，每逢降雨，被申请人院内雨水经院墙下"
        "排水口流入申请人院内，致使院内物品受潮、墙体开裂，多次协商未果。" * 3,
        claims="请求被申请人改建排水沟并赔偿损失人民币三千元。",
        region="红寺堡镇",
        created_at=now - dt.timedelta(days=20),
        accepted_at=now - dt.timedelta(days=19),
        closed_at=now - dt.timedelta(days=1),
        state="closed",
        outcome="agreed",
        priority=True,
    )
    parties = [
        CaseParty(
            role="applicant",
            position=0,
            party=Party(
                kind="person",
                name="马建国",
                gender="male",
                ethnicity="回族",
                id_number="640303195503010030",
                birth_date=dt.date(1955, 3, 1),
                phone="13995312345",
                address="红寺堡镇中圈塘村",
                tags=["elderly", "veteran"],
            ),
        ),
        CaseParty(
            role="respondent",
            position=1,
            party=Party(
                kind="person",
                name="杨学军",
                gender="male",
                ethnicity="汉族",
                id_number="640303198001010018",
                birth_date=dt.date(1980, 1, 1),
                phone="13895300001",
                address="红寺堡镇弘德村",
            ),
        ),
    ]
    terms = (
        "一、被申请人应于本协议生效之日起十日内（含当日）向申请人支付赔偿款人民币叁仟元整。\n"
        "二、院墙东侧排水沟由被申请人负责改建，改建标准为“深三十厘米、宽二十厘米”，"
        "所需材料费用由被申请人承担；申请人应予配合，不得阻挠施工。\n"
        "三、本协议履行完毕后，双方就本纠纷再无其他争议。\n"
    ) * 4
    agreement = Agreement(
        form="written",
        terms=terms,
        performance_method="现金一次性支付，改建由被申请人自行组织施工",
        performance_due=(now + dt.timedelta(days=10)).date(),
        effective_date=now.date(),
        created_at=now - dt.timedelta(days=3),
    )
    sessions = [
        MediationSession(
            held_at=now - dt.timedelta(days=18 - n * 0.5),
            place="红寺堡镇人民调解委员会调解室",
            attendees="马建国、杨学军、人民调解员马桂兰",
            recorded_by=mediator,
            record=f"第{n + 1}次调解。申请人陈述：雨水从被申请人院墙下流入申请人院内。"
            "被申请人称排水口系多年前所建，愿意协商解决。调解员释明相邻关系的法律规定，"
            "双方就改建方案和赔偿数额交换了意见（分歧主要在赔偿数额）。" * 3,
        )
        for n in range(24)
    ]
    follow_ups = [
        FollowUp(
            date=(now - dt.timedelta(days=d)).date(),
            performed=d < 3,
            recorded_by=mediator,
            note="回访时双方表示协议正在履行，排水沟已改建完成。",
        )
        for d in (5, 2)
    ]
    events = []
    for i, (name, frm, to) in enumerate(
        [
            ("accept", "registered", "accepted"),
            ("begin", "accepted", "mediating"),
            ("reach_agreement", "mediating", "agreed"),
            ("close", "agreed", "closed"),
        ]
        * 3,
        start=1,
    ):
        events.append(
            CaseEvent(
                id=i,
                type="case.transitioned",
                at=now - dt.timedelta(days=20 - i),
                actor=mediator,
                payload={"data": {"transition": name, "from": frm, "to": to}},
            )
        )
    return case, {
        "org": org,
        "links": parties,
        "agreement": agreement,
        "sessions": sessions,
        "follow_ups": follow_ups,
        "events": events,
        "mediator_name": "马桂兰",
    }


def _ctx(case, rows, font, *, sessions=None):
    from mediation.documents import Ctx

    ctx = Ctx(case, font=font, full=True)
    ctx.__dict__.update(rows)  # pre-fill the cached properties: no database
    if sessions is not None:
        ctx.__dict__["sessions"] = rows["sessions"][:sessions]
    return ctx


def _cid_reference(font):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    text = (
        "调解协议书依法订立，双方当事人应当按照约定履行各自的义务，不得擅自变更或者解除。" * 40
    )[:1500]
    style = ParagraphStyle("b", fontName=font, fontSize=12, leading=21, wordWrap="CJK")

    def build():
        buf = io.BytesIO()
        SimpleDocTemplate(buf, pagesize=A4).build(
            [Paragraph(text[:750], style), Paragraph(text[750:], style)]
        )
        return buf.getvalue()

    return build


def run(args):
    import django

    django.setup()
    from mediation.documents import fonts, render_ctx
    from mediation.documents.casefile import assemble_from

    if fonts.font_path():
        from reportlab.pdfbase.ttfonts import TTFont

        started = time.perf_counter()
        TTFont("BenchProbe", fonts.font_path(), subfontIndex=0)  # parsed, not registered
        print(
            f"TTF parse (done once at start-up by MediationConfig.ready): "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )
    started = time.perf_counter()
    ttf = fonts.font_name("ttf") if fonts.font_path() else None
    cid = fonts.font_name("cid")
    print(
        f"font lookup after start-up: {(time.perf_counter() - started) * 1000:.0f} ms"
        f" — TTF {fonts.font_path() or 'not found'}"
    )
    case, rows = _world()
    quick = "--quick" in args
    runs = 10 if quick else 40

    build = _cid_reference(cid)
    med, lo, hi = _median_ms(build, runs)
    pdf = build()
    print(
        f"reference: CID STSong-Light, 1,500 characters, {_pages(pdf)} pages: "
        f"median {med:.1f} ms (min {lo:.1f}, max {hi:.1f})"
    )

    for label, font in (("embedded TTF", ttf), ("CID", cid)):
        if font is None:
            print(f"agreement, {label}: no font file, skipped")
            continue
        ctx = _ctx(case, rows, font)
        med, lo, hi = _median_ms(lambda ctx=ctx: render_ctx("agreement", ctx), runs)
        pdf = render_ctx("agreement", ctx)
        target = "  (target ≤ 30 ms)" if font == ttf else ""
        print(
            f"agreement 调解协议书, {label}, {_pages(pdf)} pages, {len(pdf) // 1024} KiB: "
            f"median {med:.1f} ms (min {lo:.1f}, max {hi:.1f}){target}"
        )

    if ttf:
        from mediation.documents.layout import qr_runs

        def cold():
            qr_runs.cache_clear()  # the first document of a case encodes its QR code
            render_ctx("agreement", _ctx(case, rows, ttf))

        med, lo, hi = _median_ms(cold, runs)
        print(
            f"agreement, embedded TTF, QR code not yet encoded for the case: "
            f"median {med:.1f} ms (min {lo:.1f}, max {hi:.1f})"
        )

    papers = _papers()
    for label, font in (("embedded TTF", ttf), ("CID", cid)):
        if font is None:
            continue
        ctx = _ctx(case, rows, font)
        docs = _stored_records(ctx)
        n_docs = sum(len(v) for v in docs.values())
        med, lo, hi = _median_ms(
            lambda ctx=ctx, docs=docs: assemble_from(ctx, docs, papers), 3 if quick else 7
        )
        pdf, pages = assemble_from(ctx, docs, papers)
        target = "  (target ≤ 1.5 s)" if font == ttf else ""
        print(
            f"case file 卷宗, {n_docs} stored documents + 10 images + 2 PDFs, {label}, "
            f"{pages} pages, {len(pdf) // 1024} KiB: median {med:.0f} ms "
            f"(min {lo:.0f}, max {hi:.0f}){target}"
        )
    print("(the stored records are merged, not laid out again; one pass for the images)")


def _stored_records(ctx) -> dict:
    """The records as the store holds them: one PDF per document (per session, per
    follow-up), rendered once before timing."""
    from mediation.documents import KINDS, render_section
    from mediation.documents.casefile import FILE_ORDER

    docs = {}
    for kind, code in FILE_ORDER:
        if kind != "doc" or not KINDS[code].check(ctx)[0]:
            continue
        n = len(KINDS[code].subjects(ctx))
        docs[code] = [(KINDS[code].title, render_section(code, ctx, i)) for i in range(n)]
    return docs


def _papers():
    """Ten scans and photos (A4 scans at 150 dpi as PNG, phone photos as JPEG) and two
    appended PDFs (3 and 2 pages)."""
    from PIL import Image, ImageDraw
    from reportlab.pdfgen.canvas import Canvas

    from mediation.documents.casefile import Paper

    out = []
    for n in range(10):
        if n % 2:
            image = Image.new("RGB", (1600, 1200), (180, 170, 150))
            draw = ImageDraw.Draw(image)
            for y in range(0, 1200, 40):
                draw.line([(0, y), (1600, y + 200)], fill=(90 + y % 120, 80, 60), width=9)
            buf = io.BytesIO()
            image.save(buf, "JPEG", quality=85)
            out.append(Paper("evidence", f"照片{n}.jpg", "image/jpeg", buf.getvalue()))
        else:
            image = Image.new("L", (1240, 1754), 255)
            draw = ImageDraw.Draw(image)
            for y in range(150, 1600, 36):
                draw.line([(120, y), (1120, y)], fill=40, width=3)
            buf = io.BytesIO()
            image.save(buf, "PNG")
            out.append(Paper("id_copy", f"扫描件{n}.png", "image/png", buf.getvalue()))
    for pages in (3, 2):
        buf = io.BytesIO()
        canvas = Canvas(buf)
        for p in range(pages):
            canvas.drawString(100, 700, f"appraisal report page {p + 1}")
            canvas.showPage()
        canvas.save()
        out.append(Paper("evidence", f"鉴定意见{pages}.pdf", "application/pdf", buf.getvalue()))
    return out


def _pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ") or pdf.count(b"/Type /Page")
