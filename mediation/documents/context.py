"""What the documents print: a `Ctx` holds one case and everything its documents read,
loaded once per PDF, with the words each network uses (its voice, its law, its titles)."""

from collections.abc import Callable, Iterable
from functools import cached_property
from types import SimpleNamespace
from typing import TypeAlias

from reportlab.platypus import Flowable

from mediation.law.choices import (
    Category,
    Channel,
    EventType,
    Network,
    PartyKind,
    PartyRole,
)
from mediation.law.identity import age_on, display_name, mask_id_number, mask_phone
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

from .layout import (
    DateLike,
    as_date,
    cn_date,
    gap,
    keep_together,
    para,
    styles,
    ymd,
)

# One form's flowables; a builder returns one section per form (per session, per follow-up).
Section: TypeAlias = list[Flowable]
# Whether a kind exists for the case now, and why not.
CheckResult: TypeAlias = tuple[bool, str]

# Channels through which a party applied: only they have an application form.
PARTY_CHANNELS = {Channel.WALK_IN, Channel.HOTLINE, Channel.ONLINE}

# How an organisation names itself in its documents ("本委员会", "本院").
ORG_WORD: dict[str, str] = {
    Network.PEOPLE: "委员会",
    Network.ADMINISTRATIVE: "机关",
    Network.JUDICIAL: "院",
    Network.LAWYER: "工作室",
}

PML = "《中华人民共和国人民调解法》"
CPL = "《中华人民共和国民事诉讼法》"
LAWYER_OPINION = "《最高人民法院 司法部关于开展律师调解试点工作的意见》（司发通〔2017〕105号）"
# The law each network speaks by, per purpose: rights (the notice of rights and duties),
# terminate (mediation ended), refused (a party refused before mediation began),
# agreement (what makes the agreement bind).
VOICE: dict[str, dict[str, str]] = {
    Network.PEOPLE: {
        "rights": f"{PML}第二十三条、第二十四条",
        "terminate": f"{PML}第二十六条",
        "refused": f"{PML}第十七条",
        "agreement": f"{PML}第二十九条至第三十一条",
    },
    Network.LAWYER: dict.fromkeys(["rights", "terminate", "refused", "agreement"], LAWYER_OPINION),
    Network.JUDICIAL: {
        "rights": f"{CPL}第九十六条",
        "terminate": f"{CPL}第一百零二条",
        "refused": f"{CPL}第九十六条",
        "agreement": f"{CPL}第一百条、第一百零一条",
    },
}
# Administrative mediation speaks by the law of its field.
FIELD_LAW: dict[str, str] = {
    Category.TRAFFIC: "《中华人民共和国道路交通安全法》第七十四条",
    Category.MEDICAL: "《医疗纠纷预防和处理条例》第四十条",
    Category.LABOR: "《中华人民共和国劳动争议调解仲裁法》第十条",
    Category.LAND_CONTRACT: "《中华人民共和国农村土地承包经营纠纷调解仲裁法》第三条",
    Category.HOUSING_LAND: "《中华人民共和国土地管理法》第十四条",
    Category.FOREST_LAND: "《中华人民共和国森林法》第二十二条",
    Category.CONSUMER: "《中华人民共和国消费者权益保护法》第三十九条",
    Category.ENVIRONMENT: "《中华人民共和国环境保护法》第五十八条",
}
ADMIN_DEFAULT_LAW = "有关法律、法规关于行政调解的规定"

# Each kind's title, in the Ministry of Justice's filing order (the case file files them so).
KIND_TITLES = {
    "application": "调解申请书",
    "acceptance": "受理登记表",
    "decline_notice": "不予受理告知书",
    "rights_notice": "权利义务告知书",
    "session_record": "调解记录",
    "agreement": "调解协议书",
    "oral_agreement": "口头协议登记表",
    "mediation_statement": "民事调解书",
    "termination_notice": "终止调解告知书",
    "undisputed_facts": "无争议事实记载",
    "transfer_letter": "移送函",
    "follow_up": "回访记录",
    "confirmation_application": "司法确认申请书",
    "petition_transfer": "信访事项转办单",
    "petition_feedback": "办理情况反馈",
    "referral_result": "委派调解结果反馈函",
    "case_file": "卷宗",
}
# The Ministry of Justice's formats title people's-mediation papers "人民调解……".
NETWORK_TITLES: dict[str, dict[str, str]] = {
    Network.PEOPLE: {
        "application": "人民调解申请书",
        "acceptance": "人民调解受理登记表",
        "rights_notice": "人民调解权利义务告知书",
        "session_record": "人民调解记录",
        "agreement": "人民调解协议书",
        "oral_agreement": "人民调解口头协议登记表",
        "follow_up": "人民调解回访记录",
        "case_file": "人民调解卷宗",
    },
    Network.ADMINISTRATIVE: {"agreement": "行政调解协议书", "case_file": "行政调解卷宗"},
    Network.LAWYER: {"agreement": "律师调解协议书", "case_file": "律师调解卷宗"},
    Network.JUDICIAL: {"case_file": "诉前调解卷宗"},
}


def kind_title(code: str, network: str) -> str:
    """The title of kind `code` as the case's network names it."""
    return NETWORK_TITLES.get(network, {}).get(code, KIND_TITLES[code])


# 交警 mediate road-accident damages in the forms of 《道路交通事故处理程序规定》: the
# agreement is a 调解书, the failure a 调解终结书.
TRAFFIC_TITLES = {
    "agreement": "道路交通事故损害赔偿调解书",
    "termination_notice": "道路交通事故损害赔偿调解终结书",
}


def case_title(code: str, case: Case) -> str:
    """The title of kind `code` for this case: its network's words, the 交警's forms for a
    traffic case, 告知书 for a route notice to the parties (a 移送函 goes between bodies)."""
    if code == "transfer_letter" and case.referral_route:
        return "告知书"
    if code == "referral_result":
        kind = case.handoffs.filter(kind="court_referral").values_list("data__kind", flat=True)
        if "post_filing" in list(kind):
            return "委托调解结果反馈函"
    if case.network == Network.ADMINISTRATIVE and case.category == Category.TRAFFIC:
        if code in TRAFFIC_TITLES:
            return TRAFFIC_TITLES[code]
    return kind_title(code, case.network)


class Ctx:
    """One case and everything its documents print, loaded once per PDF."""

    def __init__(self, case: Case, *, font: str, full: bool = True) -> None:
        self.case, self.font, self.full = case, font, full

    @cached_property
    def s(self) -> SimpleNamespace:
        return styles(self.font)

    @cached_property
    def org(self) -> Organization:
        return self.case.org

    @cached_property
    def links(self) -> list[CaseParty]:
        return list(self.case.case_parties.select_related("party").order_by("position", "id"))

    def by_role(self, role: str) -> list[Party]:
        return [link.party for link in self.links if link.role == role]

    @cached_property
    def applicants(self) -> list[Party]:
        return self.by_role(PartyRole.APPLICANT)

    @cached_property
    def respondents(self) -> list[Party]:
        return self.by_role(PartyRole.RESPONDENT)

    @cached_property
    def agreement(self) -> Agreement | None:
        return self.case.agreements.order_by("-id").first()

    @property
    def made_agreement(self) -> Agreement:
        """The agreement, for the kinds that exist only once there is one (their check)."""
        if self.agreement is None:
            raise LookupError(f"case {self.case.pk} has no agreement")
        return self.agreement

    @cached_property
    def sessions(self) -> list[MediationSession]:
        # held sessions only: an online one scheduled but not yet held has no record
        held = self.case.sessions.filter(held_at__isnull=False)
        return list(held.select_related("recorded_by").order_by("held_at", "id"))

    @cached_property
    def follow_ups(self) -> list[FollowUp]:
        return list(self.case.follow_ups.select_related("recorded_by").order_by("date", "id"))

    @cached_property
    def events(self) -> list[CaseEvent]:
        return list(self.case.events.select_related("actor").order_by("id"))

    def last_transition(self, name: str) -> CaseEvent | None:
        for event in reversed(self.events):
            data = (event.payload or {}).get("data") or {}
            if event.type == EventType.CASE_TRANSITIONED and data.get("transition") == name:
                return event
        return None

    @cached_property
    def mediator_name(self) -> str:
        return display_name(self.case.mediator)

    @property
    def mediator_title(self) -> str:
        titles: dict[str, str] = {Network.PEOPLE: "人民调解员", Network.LAWYER: "律师调解员"}
        return titles.get(self.case.network, "调解员")

    @property
    def self_word(self) -> str:
        """本委员会 / 本机关 / 本院 / 本工作室"""
        return "本" + ORG_WORD.get(self.case.network, "组织")

    def law(self, purpose: str) -> str:
        """The citation this network's documents give for `purpose`."""
        if self.case.network == Network.ADMINISTRATIVE:
            return FIELD_LAW.get(self.case.category, ADMIN_DEFAULT_LAW)
        return VOICE.get(self.case.network, VOICE[Network.PEOPLE])[purpose]

    def basis(self, purpose: str) -> str:
        law = self.law(purpose)
        return f"根据{law}" + ("" if law == ADMIN_DEFAULT_LAW else "的规定")

    def title(self, code: str) -> str:
        return case_title(code, self.case)

    def id_number(self, party: Party) -> str:
        return party.id_number if self.full else mask_id_number(party.id_number)

    def phone(self, party: Party) -> str:
        return party.phone if self.full else mask_phone(party.phone)

    def particulars(self, party: Party, role_label: str, on: DateLike | None = None) -> str:
        """申请人：马建国，男，回族，1955年3月1日出生，公民身份号码……; with `on`, the
        age on that day and the occupation too, as the Ministry's application form asks."""
        bits = [party.name]
        if party.kind == PartyKind.PERSON:
            if party.gender:
                bits.append(party.get_gender_display())
            if party.ethnicity:
                bits.append(party.ethnicity)
            if party.birth_date and self.full:
                bits.append(f"{ymd(party.birth_date)}出生")
                if on is not None:
                    bits.append(f"{age_on(party.birth_date, as_date(on))}岁")
            occupation = getattr(party, "occupation", "")
            if on is not None and occupation:
                bits.append(f"职业：{occupation}")
            if party.id_number:
                bits.append(f"公民身份号码：{self.id_number(party)}")
            if party.address:
                bits.append(f"住址：{party.address}")
        else:
            if party.credit_code:
                bits.append(f"统一社会信用代码：{party.credit_code}")
            if party.representative:
                bits.append(f"法定代表人（负责人）：{party.representative}")
            if party.address:
                bits.append(f"住所：{party.address}")
        if party.phone:
            bits.append(f"联系电话：{self.phone(party)}")
        text = f"{role_label}：" + "，".join(bits) + "。"
        rep = getattr(party, "representative_info", None)  # guardian or agent, when recorded
        if rep and rep.get("name"):
            word = "法定代理人（监护人）" if rep.get("kind") == "guardian" else "委托代理人"
            text += f"{word}：{rep['name']}。"
        return text

    def party_paras(
        self,
        roles: Iterable[str] = (PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD_PARTY),
    ) -> list[Flowable]:
        out: list[Flowable] = []
        for role in roles:
            label = str(PartyRole(role).label)
            out += [para(self.particulars(p, label), self.s.body) for p in self.by_role(role)]
        return out

    def names(self, parties: Iterable[Party]) -> str:
        return "、".join(p.name for p in parties)

    @property
    def dispute(self) -> str:
        """马建国与杨学军邻里纠纷"""
        return (
            f"{self.names(self.applicants)}与{self.names(self.respondents)}"
            f"{self.case.get_category_display()}纠纷"
        )

    def head(self, title: str, numbered: bool = True) -> list[Flowable]:
        """Issuer, title and number; a form with its own 案号 row says it once."""
        s = self.s
        out: list[Flowable] = [para(self.org.name, s.subtitle), para(title, s.title)]
        if numbered:
            out.append(para(f"编号：{self.case.number}{self.original_number}", s.number))
        return out

    @property
    def original_number(self) -> str:
        """A transferred case is numbered by its receiver; the number the parties were given
        first stays on its papers (原案号, issue 28)."""
        first = self.case.original_number
        return f"（原案号：{first}）" if first else ""

    def seal(self, date: DateLike | None, signatures: Flowable | None = None) -> list[Flowable]:
        """The organisation's seal and date line, right-aligned, kept on one page with
        the signature lines above it: a seal never falls alone on a page."""
        s = self.s
        items: list[Flowable] = [
            gap(8),
            para(f"{self.org.name}（盖章）", s.right),
            para(cn_date(date), s.right),
        ]
        if signatures is not None:
            items = [signatures, *items]
        return [keep_together(items)]


# -- builders -------------------------------------------------------------------------


Builder: TypeAlias = Callable[[Ctx], list[Section]]
Check: TypeAlias = Callable[[Ctx], CheckResult]
