"""PDF documents (issue 6): in-process, the font registered once before timing.

Figures: the agreement (调解协议书) with the embedded TrueType font, median of many runs
(target ≤ 30 ms); a 30-document case file (卷宗, target ≤ 1 s); and beside them the
reference figure — a 2-page A4 PDF with 1,500 Chinese characters in the built-in CID font.

The case is built in memory (unsaved model instances, rows handed to the document
context), so the figures are the PDF work alone, not database reads.
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
    from mediation.documents.casefile import entries

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

    for label, font in (("embedded TTF", ttf), ("CID", cid)):
        if font is None:
            continue
        ctx = _ctx(case, rows, font)
        n_docs = len(entries(ctx))
        med, lo, hi = _median_ms(lambda ctx=ctx: render_ctx("case_file", ctx), 3 if quick else 7)
        pdf = render_ctx("case_file", ctx)
        target = "  (target ≤ 1 s)" if font == ttf else ""
        print(
            f"case file 卷宗, {n_docs} documents, {label}, {_pages(pdf)} pages, "
            f"{len(pdf) // 1024} KiB: median {med:.0f} ms (min {lo:.0f}, max {hi:.0f}){target}"
        )
    print("(two layout passes: the contents prints the page each document starts on)")


def _pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ") or pdf.count(b"/Type /Page")
