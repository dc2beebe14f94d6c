"""The vocabulary of DESIGN.md §2 and §3. Code names are binding; labels are the UI text."""

import functools

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Network(models.TextChoices):
    PEOPLE = "people", _("人民调解")
    ADMINISTRATIVE = "administrative", _("行政调解")
    JUDICIAL = "judicial", _("司法调解")
    LAWYER = "lawyer", _("律师调解")


NETWORK_WORD: dict[str, str] = {
    Network.PEOPLE: "人调",
    Network.ADMINISTRATIVE: "行调",
    # A court numbers its mediation by its own case type, 民诉前调 (民事诉前调解,
    # 《最高人民法院关于人民法院案件案号的若干规定》 and its type codes), not a "法调" of ours.
    Network.JUDICIAL: "民诉前调",
    Network.LAWYER: "律调",
}


class OrgKind(models.TextChoices):
    PEOPLE_COMMITTEE = "people_committee", _("人民调解委员会")
    ADMIN_ORGAN = "admin_organ", _("行政机关")
    COURT = "court", _("人民法院")
    LAWYER_STUDIO = "lawyer_studio", _("律师调解工作室")
    ARBITRATION = "arbitration", _("仲裁委员会")
    PETITION_BUREAU = "petition_bureau", _("信访局")
    JUSTICE_BUREAU = "justice_bureau", _("司法局/司法所")
    LEGAL_SERVICE_CENTER = "legal_service_center", _("公共法律服务中心")
    LEGAL_AID = "legal_aid", _("法律援助中心")
    POLICE_STATION = "police_station", _("公安派出所")


KIND_NETWORK = {
    OrgKind.PEOPLE_COMMITTEE: Network.PEOPLE,
    OrgKind.ADMIN_ORGAN: Network.ADMINISTRATIVE,
    OrgKind.COURT: Network.JUDICIAL,
    OrgKind.LAWYER_STUDIO: Network.LAWYER,
}
MEDIATING_KINDS = frozenset(KIND_NETWORK)


class Role(models.TextChoices):
    INTAKE_CLERK = "intake_clerk", _("登记员")
    MEDIATOR = "mediator", _("调解员")
    ORG_HEAD = "org_head", _("负责人")
    CLERK = "clerk", _("书记员")
    JUDGE = "judge", _("法官")
    PRESIDENT = "president", _("院长")
    ARBITRATOR = "arbitrator", _("仲裁员")
    PETITION_OFFICER = "petition_officer", _("信访干部")
    LEGAL_AID_OFFICER = "legal_aid_officer", _("法律援助工作人员")
    SUPERVISOR = "supervisor", _("监督管理")
    LEGAL_ADVISER = "legal_adviser", _("村（居）法律顾问")
    POLICE_OFFICER = "police_officer", _("派出所民警")


class ArbitrationScope(models.TextChoices):
    """What an arbitration commission hears (DESIGN.md §2)."""

    LABOR = "labor", _("劳动人事争议")
    LAND_CONTRACT = "land_contract", _("农村土地承包经营纠纷")
    COMMERCIAL = "commercial", _("商事")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("窗口来访")
    HOTLINE = "hotline", _("12348热线")
    ONLINE = "online", _("网上申请")
    PETITION_TRANSFER = "petition_transfer", _("信访转办")
    COURT_REFERRAL = "court_referral", _("法院委派/委托调解")
    POLICE_REFERRAL = "police_referral", _("公安移交")
    PROACTIVE = "proactive", _("主动排查")
    ORG_TRANSFER = "org_transfer", _("其他组织移交")


class Category(models.TextChoices):
    MARRIAGE_FAMILY = "marriage_family", _("婚姻家庭")
    NEIGHBOUR = "neighbour", _("邻里")
    HOUSING_LAND = "housing_land", _("房屋宅基地")
    LAND_CONTRACT = "land_contract", _("土地承包流转")
    CONTRACT = "contract", _("合同")
    DAMAGES = "damages", _("损害赔偿")
    LABOR = "labor", _("劳动争议")
    MEDICAL = "medical", _("医疗")
    TRAFFIC = "traffic", _("道路交通")
    PROPERTY_MGMT = "property_mgmt", _("物业")
    CONSUMER = "consumer", _("消费")
    ENVIRONMENT = "environment", _("环境")
    LAND_ACQUISITION = "land_acquisition", _("征地拆迁")
    EDUCATION = "education", _("校园")
    TOURISM = "tourism", _("旅游")
    PRODUCTION = "production", _("生产经营")
    FOREST_LAND = "forest_land", _("山林土地")
    IP = "ip", _("知识产权")
    INTERNET = "internet", _("互联网")
    OTHER = "other", _("其他")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    THIRD_PARTY = "third_party", _("第三人")


class PartyKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人或其他组织")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Tag(models.TextChoices):
    ELDERLY = "elderly", _("老年人")
    MINOR = "minor", _("未成年人")
    DISABLED = "disabled", _("残疾人")
    MILITARY_FAMILY = "military_family", _("军人军属")
    VETERAN = "veteran", _("退役军人")
    MIGRANT_WORKER = "migrant_worker", _("农民工")
    LOW_INCOME = "low_income", _("低收入")
    SINGLE_MOTHER = "single_mother", _("单亲母亲")
    LEFT_BEHIND = "left_behind", _("留守妇女儿童")
    POVERTY_HOUSEHOLD = "poverty_household", _("建档立卡户")
    NO_FIXED_INCOME = "no_fixed_income", _("无固定生活来源")


PRIORITY_TAGS = frozenset({Tag.ELDERLY, Tag.DISABLED, Tag.MILITARY_FAMILY, Tag.VETERAN})
DERIVED_TAGS = frozenset({Tag.ELDERLY, Tag.MINOR})


class State(models.TextChoices):
    REGISTERED = "registered", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    MEDIATING = "mediating", _("调解中")
    AGREED = "agreed", _("已达成协议")
    CONFIRMING = "confirming", _("司法确认中")
    CONFIRMED = "confirmed", _("已司法确认")
    CONFIRMATION_REJECTED = "confirmation_rejected", _("不予确认")
    FAILED = "failed", _("调解终止")
    REFERRED = "referred", _("已移送")
    DECLINED = "declined", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    CLOSED = "closed", _("已结案")
    ARCHIVED = "archived", _("已归档")


# States in which the case has reached an outcome (petition feedback opens on these).
OUTCOME_STATES = frozenset(
    {State.AGREED, State.CONFIRMED, State.FAILED, State.DECLINED, State.WITHDRAWN}
)
OPEN_STATES = frozenset({State.REGISTERED, State.ACCEPTED, State.MEDIATING, State.CONFIRMING})


class Satisfaction(models.TextChoices):
    """The party's satisfaction asked at a follow-up (the Ministry's 回访记录)."""

    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class FailReason(models.TextChoices):
    PARTY_REFUSED = "party_refused", _("当事人拒绝调解")
    NO_AGREEMENT = "no_agreement", _("未能达成协议")
    TIMEOUT = "timeout", _("超过调解期限")
    UNREACHABLE = "unreachable", _("无法联系当事人")
    OTHER = "other", _("其他")


class ReferRoute(models.TextChoices):
    ARBITRATION = "arbitration", _("仲裁")
    LITIGATION = "litigation", _("诉讼")
    ADMINISTRATIVE_ADJUDICATION = "administrative_adjudication", _("行政裁决")
    LEGAL_AID = "legal_aid", _("法律援助")


ROUTE_TARGET_KIND = {
    ReferRoute.ARBITRATION: OrgKind.ARBITRATION,
    ReferRoute.LITIGATION: OrgKind.COURT,
    ReferRoute.ADMINISTRATIVE_ADJUDICATION: OrgKind.ADMIN_ORGAN,
    ReferRoute.LEGAL_AID: OrgKind.LEGAL_AID,
}


class ConfirmationRuling(models.TextChoices):
    REJECTED = "rejected", _("驳回申请")
    NOT_ACCEPTED = "not_accepted", _("不予受理")


class RepresentativeKind(models.TextChoices):
    GUARDIAN = "guardian", _("监护人（法定代理人）")
    AGENT = "agent", _("委托代理人")


class PerformanceRoute(models.TextChoices):
    """What a party may do when the other side does not perform an agreement."""

    ENFORCEMENT = "enforcement", _("申请人民法院强制执行")
    SUIT = "suit", _("就调解协议向人民法院提起诉讼")
    LABOUR_ARBITRATION = "labour_arbitration", _("申请劳动争议仲裁")
    PAYMENT_ORDER = "payment_order", _("申请支付令")


class AgreementForm(models.TextChoices):
    WRITTEN = "written", _("书面协议")
    ORAL = "oral", _("口头协议")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class EscalationKind(models.TextChoices):
    """What a dispute threatened to become (the Ministry's 防止民间纠纷激化 columns)."""

    CRIMINAL = "criminal", _("民转刑")
    MASS_PETITION = "mass_petition", _("群体性上访")
    MASS_FIGHT = "mass_fight", _("群体性械斗")
    SUICIDE = "suicide", _("自杀")


class EventType(models.TextChoices):
    CASE_CREATED = "case.created", _("案件登记")
    CASE_TRANSITIONED = "case.transitioned", _("状态变更")
    CASE_ASSIGNED = "case.assigned", _("指派调解员")
    CASE_UPDATED = "case.updated", _("案件更新")
    HANDOFF_OPENED = "handoff.opened", _("衔接流程开启")
    TASK_COMPLETED = "task.completed", _("任务完成")
    DEADLINE_APPROACHING = "deadline.approaching", _("期限将至")
    DEADLINE_OVERDUE = "deadline.overdue", _("已超期")
    CASE_RISK_FLAGGED = "case.risk_flagged", _("矛盾激化风险")
    # 电子送达 (CPL art 90): a party opened a notice on /party/; time and address recorded.
    PARTY_NOTICE_READ = "party.notice_read", _("电子送达回执")
    PARTY_SIGNED = "party.signed", _("当事人签署")
    # An online session's room (DESIGN §12.6): who came and went, and its recording.
    SESSION_JOINED = "session.joined", _("进入视频调解")
    SESSION_LEFT = "session.left", _("离开视频调解")
    SESSION_RECORDED = "session.recorded", _("视频调解录像")
    # A party in the room with no mediator of the case: an alert to the case's mediator.
    SESSION_WAITING = "session.waiting", _("当事人等候视频调解")


class HandoffKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("司法确认")
    PETITION = "petition", _("访调对接")
    COURT_REFERRAL = "court_referral", _("诉调对接")
    ARBITRATION = "arbitration", _("移送仲裁")
    LITIGATION = "litigation", _("移送诉讼")
    ADMINISTRATIVE_ADJUDICATION = "administrative_adjudication", _("移送行政裁决")
    LEGAL_AID = "legal_aid", _("转法律援助")
    POLICE = "police", _("警调对接")


class HandoffStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已取消")  # the case moved on by another door


class AccessReason(models.TextChoices):
    """Why an organisation may see a case (CaseAccess)."""

    HANDLER = "handler", _("办理组织")
    FORMER_HANDLER = "former_handler", _("原办理组织")
    HANDOFF = "handoff", _("衔接机构")
    INTAKE = "intake", _("登记窗口")


class Outcome(models.TextChoices):
    """How a case ended (blank while it is open)."""

    AGREED = "agreed", _("已达成协议")
    CONFIRMED = "confirmed", _("已司法确认")
    CONFIRMATION_REJECTED = "confirmation_rejected", _("不予确认")
    FAILED = "failed", _("调解终止")
    WITHDRAWN = "withdrawn", _("已撤回")
    DECLINED = "declined", _("不予受理")
    REFERRED = "referred", _("已移送")


class ConsultationTopic(models.TextChoices):
    """What a 12348 / window caller asked for (the hotline's service kinds)."""

    LEGAL_ADVICE = "legal_advice", _("法律咨询")
    DISPUTE = "dispute", _("纠纷求助")
    LEGAL_AID = "legal_aid", _("法律援助")
    MEDIATION = "mediation", _("人民调解")
    NOTARY = "notary", _("公证")
    APPRAISAL = "appraisal", _("司法鉴定")
    COMPLAINT = "complaint", _("投诉建议")
    OTHER = "other", _("其他")


CONSULTATION_CHANNELS = (Channel.HOTLINE, Channel.WALK_IN)

# Parties who qualify for legal aid without the economic-hardship review (《中华人民共和国
# 法律援助法》第四十二条: the elderly, the disabled, 优抚对象) or on it (第三十一条: 经济困难).


class AttachmentKind(models.TextChoices):
    ID_COPY = "id_copy", _("身份证明")
    AUTHORIZATION = "authorization", _("授权委托书")
    EVIDENCE = "evidence", _("证据材料")
    # The mediator's record of an inquiry (走访、询问): filed before the session records.
    INVESTIGATION = "investigation", _("调查记录")
    RECEIPT = "receipt", _("履行凭证")
    OTHER = "other", _("其他材料")
    # the paper joint application for judicial confirmation, signed by every applicant
    SIGNED_APPLICATION = "signed_application", _("司法确认申请书签名件")
    # an online session's recording (WebM), made in the mediator's browser (DESIGN §12.6)
    SESSION_RECORDING = "session_recording", _("视频调解录像")


@functools.cache
def choice_labels(language: str | None) -> dict[str, dict[str, str]]:
    """The case vocabulary's labels as plain strings in one language, built once per process
    (the labels are constants of the code): a lazy label costs a translation lookup per use."""
    with translation.override(language):
        return {
            name: {value: str(label) for value, label in cls.choices}
            for name, cls in (
                ("network", Network),
                ("state", State),
                ("channel", Channel),
                ("category", Category),
                ("party_role", PartyRole),
            )
        }
