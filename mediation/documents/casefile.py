"""The case file (卷宗): cover, table of contents with page numbers, every applicable
document in the filing order, then the event log."""

from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak

from ..choices import EventType, FailReason, RiskLevel, State
from ..transitions import FORMS
from .kinds import FILING_ORDER, KINDS, Ctx, person_name
from .layout import CONTENT_W, build_pdf, cn_date, form_table, gap, list_table, para, ymd, ymd_hm

OUTCOME = {
    "agreed": "达成协议",
    "confirmed": "达成协议并经司法确认",
    "confirmation_rejected": "司法确认不予确认",
    "failed": "调解终止",
    "referred": "调解终止并移送",
    "declined": "不予受理",
    "withdrawn": "申请人撤回",
}


class PageMark(Flowable):
    """Zero-size marker that records the page it lands on (for the contents)."""

    def __init__(self, key, pages: dict):
        super().__init__()
        self.key, self.pages = key, pages

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        self.pages.setdefault(self.key, self.canv.getPageNumber())


def _state_label(value):
    return str(State(value).label) if value in State.values else value or ""


def describe_event(event) -> tuple[str, str]:
    data = (event.payload or {}).get("data") or {}
    label = str(EventType(event.type).label) if event.type in EventType.values else event.type
    detail = ""
    if event.type == EventType.CASE_TRANSITIONED:
        name = data.get("transition", "")
        if name in FORMS:
            label = str(FORMS[name].label)
        detail = f"{_state_label(data.get('from'))} → {_state_label(data.get('to'))}"
        reason = data.get("reason")
        if reason and isinstance(reason, str):
            detail += f"；{FailReason(reason).label if reason in FailReason.values else reason}"
    elif event.type == EventType.CASE_CREATED:
        detail = "优先办理" if data.get("priority") else ""
    elif event.type == EventType.CASE_UPDATED:
        record = data.get("record")
        if record == "export":
            kind = KINDS.get(data.get("document"))
            detail = f"导出文书：{kind.title if kind else data.get('document', '')}"
        else:
            detail = {"session": "登记调解记录", "follow_up": "登记回访记录"}.get(record, "")
    elif event.type == EventType.CASE_RISK_FLAGGED:
        level = data.get("level")
        level = str(RiskLevel(level).label) if level in RiskLevel.values else level
        detail = f"风险等级：{level}；{data.get('note', '')}"
    elif event.type in (EventType.DEADLINE_APPROACHING, EventType.DEADLINE_OVERDUE):
        detail = data.get("due_at", "") or ""
    elif event.type in (EventType.HANDOFF_OPENED, EventType.TASK_COMPLETED):
        detail = "；".join(f"{k}：{v}" for k, v in data.items() if isinstance(v, str | int))
    return label, detail


def entries(ctx: Ctx):
    """[(kind code, title, flowables)] of every applicable document, in filing order."""
    out = []
    for code in FILING_ORDER:
        kind = KINDS[code]
        if not kind.check(ctx)[0]:
            continue
        sections = kind.sections(ctx)
        for n, section in enumerate(sections, start=1):
            title = kind.title + (f"（第{n}次）" if len(sections) > 1 else "")
            out.append((code, title, section))
    return out


def _cover(ctx: Ctx):
    s, case = ctx.s, ctx.case
    parties = "；".join(f"{link.get_role_display()}：{link.party.name}" for link in ctx.links)
    rows = [
        ["案号", case.number],
        ["案由", f"{case.get_category_display()}纠纷"],
        ["当事人", parties],
        [ctx.mediator_title, ctx.mediator_name or "—"],
        ["受理日期", ymd(case.accepted_at) or "—"],
        ["结案日期", ymd(case.closed_at) or "—"],
        ["调解结果", OUTCOME.get(case.outcome, case.outcome or "—")],
        ["归档日期", ymd(case.archived_at) or "—"],
    ]
    return [
        gap(25),
        para(ctx.org.name, s.subtitle),
        gap(6),
        para(f"{case.get_network_display()}卷宗", s.cover_title),
        gap(20),
        form_table(s, rows, [36 * mm, CONTENT_W - 36 * mm]),
        gap(30),
        para(f"立卷单位：{ctx.org.name}", s.right),
        para(cn_date(case.archived_at or case.closed_at or timezone.now()), s.right),
        PageBreak(),
    ]


def _story(ctx: Ctx, pages: dict, numbers: dict | None):
    s = ctx.s
    docs = entries(ctx)
    story = _cover(ctx)
    story += [para("卷内目录", ctx.s.title), gap(4)]
    rows = []
    for i, (_code, title, _flow) in enumerate(docs, start=1):
        rows.append([str(i), title, str(numbers.get(i, "")) if numbers else "00"])
    rows.append(
        [str(len(docs) + 1), "案件流转记录", str(numbers.get("log", "")) if numbers else "00"]
    )
    story.append(
        list_table(s, ["序号", "材料名称", "页码"], rows, [18 * mm, CONTENT_W - 40 * mm, 22 * mm])
    )
    for i, (_code, _title, flow) in enumerate(docs, start=1):
        story += [PageBreak(), PageMark(i, pages), *flow]
    story += [PageBreak(), PageMark("log", pages), para("案件流转记录", s.title), gap(3)]
    log = []
    for event in ctx.events:
        label, detail = describe_event(event)
        actor = person_name(event.actor) if event.actor_id else "系统"
        log.append([str(event.pk), ymd_hm(event.at), label, actor, detail or "—"])
    widths = [14 * mm, 40 * mm, 30 * mm, 22 * mm]
    widths.append(CONTENT_W - sum(widths))
    story.append(list_table(s, ["编号", "时间", "事项", "操作人", "说明"], log, widths))
    return story


def build_case_file(ctx: Ctx) -> bytes:
    """Two passes: the first finds the page each document starts on, the second prints
    those numbers in the contents (the contents has the same rows, so pages don't move)."""
    pages: dict = {}
    build_pdf(_story(ctx, pages, None), case=ctx.case, font=ctx.font, title="卷宗")
    return build_pdf(
        _story(ctx, {}, pages), case=ctx.case, font=ctx.font, title=f"卷宗 {ctx.case.number}"
    )
