"""The letters that hand a case on (DESIGN.md §7 `transfer_letter`): a referral's 告知书
to the parties, naming the route they may take, and a transfer's 移送函 from the sending
organisation to the receiver, with only the papers the sender holds."""

from django.utils import timezone

from mediation.law.choices import Network, ReferRoute
from mediation.law.identity import display_name

from ..models import CaseEvent, Organization
from .context import PARTY_CHANNELS, Ctx, Section, kind_title
from .layout import cn_count, cn_date, gap, keep_together, para
from .outcome_forms import because, fail_reason

# Where the parties go on each route when no receiving body is named.
ROUTE_BODY: dict[str, str] = {
    ReferRoute.ARBITRATION: "有管辖权的仲裁委员会",
    ReferRoute.LITIGATION: "有管辖权的人民法院",
    ReferRoute.ADMINISTRATIVE_ADJUDICATION: "有权处理的行政机关",
}
ROUTE_ACTION: dict[str, str] = {
    ReferRoute.ARBITRATION: "申请仲裁",
    ReferRoute.LITIGATION: "提起诉讼",
    ReferRoute.ADMINISTRATIVE_ADJUDICATION: "申请行政裁决",
}


def build_transfer_letter(ctx: Ctx) -> list[Section]:
    """A referral (the parties advised of a route) is a 告知书 to the parties; a transfer
    is the sending organisation's 移送函 to the receiver."""
    if ctx.case.referral_route:
        return [_route_notice(ctx)]
    return [_transfer_letter(ctx)]


def _route_notice(ctx: Ctx) -> Section:
    s, case = ctx.s, ctx.case
    # The mediating body advises and records; the parties file (DESIGN §3 refer).
    event = ctx.last_transition("refer")
    route = case.referral_route
    action = ROUTE_ACTION.get(route, "依法处理")
    reason = fail_reason(case)
    everyone = [link.party for link in ctx.links]
    if case.network == Network.JUDICIAL and route == ReferRoute.LITIGATION:
        # A court does not send a case to itself: the dispute goes on to a lawsuit here.
        where = "本院"
        tail = "本院将依法登记立案，转入诉讼程序审理。"
    else:
        target = case.referral_org
        where = target.name if target else ROUTE_BODY.get(route, "有关机关")
        tail = (
            f"{ctx.self_word}已将本案调解情况函告该单位，请你（单位）持本告知书及有关材料前往办理。"
            if target
            else "请你（单位）持本告知书及有关材料前往办理。"
        )
    body = (
        f"{ctx.dispute}一案，经{ctx.self_word}调解，{because(reason)}调解终止。"
        f"你（单位）可以依法向{where}{action}。{tail}"
    )
    out = ctx.head(ctx.title("transfer_letter"))
    out += [
        para(f"{ctx.names(everyone)}：", s.body),
        para(body, s.indent),
        para("特此告知。", s.indent),
        para(f"联系人：{ctx.mediator_name or '—'}　　联系电话：{ctx.org.phone or '—'}", s.indent),
        *ctx.seal(event.at if event else None),
    ]
    return out


def transfer_papers(ctx: Ctx, event: CaseEvent | None, source: Organization | None) -> list[str]:
    """The papers the sender holds when it transfers — and only those: the application
    when a party applied, the acceptance form when it had accepted, each session record,
    each uploaded paper."""
    at = event.at if event else timezone.now()
    data = ((event.payload or {}).get("data") or {}) if event else {}
    network = source.network if source else ctx.case.network
    papers = []
    if ctx.case.channel in PARTY_CHANNELS:
        papers.append(f"{kind_title('application', network)}一份")
    if data.get("from") in ("accepted", "mediating"):
        papers.append(f"{kind_title('acceptance', network)}一份")
    sessions = [x for x in ctx.sessions if x.held_at is not None and x.held_at <= at]
    if sessions:
        papers.append(f"调解记录{cn_count(len(sessions))}份")
    for att in ctx.case.attachments.filter(uploaded_at__lte=at).order_by("uploaded_at", "id"):
        papers.append(f"{att.get_kind_display()}（{att.name}）一份")
    return papers


def _transfer_letter(ctx: Ctx) -> Section:
    s, case = ctx.s, ctx.case
    event = ctx.last_transition("transfer")
    data = (event.payload.get("data") or {}) if event else {}
    orgs = Organization.objects.in_bulk(
        [x for x in (data.get("from_org"), data.get("target_org")) if isinstance(x, int)]
    )
    source = orgs.get(data.get("from_org"))
    target = orgs.get(data.get("target_org")) or ctx.org
    sender = source.name if source else "原调解组织"
    number = data.get("from_number") or case.number
    out: Section = [
        para(sender, s.subtitle),
        para("移 送 函", s.title),
        para(f"编号：{number}", s.number),
        para(f"{target.name}：", s.body),
        para(
            f"{ctx.dispute}一案，{because(data.get('reason', ''))}我单位现将该纠纷移送你单位调解。",
            s.indent,
        ),
    ]
    papers = transfer_papers(ctx, event, source)
    if papers:
        out += [
            para("随函附送：", s.body),
            *[
                para(f"{n}. {p}{'。' if n == len(papers) else '；'}", s.indent)
                for n, p in enumerate(papers, start=1)
            ],
        ]
    out.append(para("请查收，并将处理结果函告我单位。", s.indent))
    contact = display_name(event.actor) if event and event.actor_id else "—"
    phone = source.phone if source else ""
    out.append(
        keep_together(
            [
                para(f"联系人：{contact}　　联系电话：{phone or '—'}", s.indent),
                gap(8),
                para(f"{sender}（盖章）", s.right),
                para(cn_date(event.at if event else None), s.right),
            ]
        )
    )
    return out
