"""The law of the routes and agreements, cited in the users' messages (DESIGN.md §3):
which agreements must be written, where a failed dispute may go next, which arbitration
commission hears it and which court may confirm an agreement."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from .choices import (
    AgreementForm,
    ArbitrationScope,
    Category,
    Channel,
    HandoffKind,
    Network,
    OrgKind,
    ReferRoute,
)

if TYPE_CHECKING:
    from mediation.models import Case, Organization

# LDMAL art 14 (labour) and 医疗纠纷预防和处理条例 arts 40, 42 (medical): a written agreement.
WRITTEN_ONLY: dict[str, StrOrPromise] = {
    Category.LABOR: gettext_lazy(
        "劳动争议经调解达成协议的，应当制作调解协议书（《劳动争议调解仲裁法》第十四条）"
    ),
    Category.MEDICAL: gettext_lazy(
        "医疗纠纷经调解达成一致的，应当制作调解协议书（《医疗纠纷预防和处理条例》第四十条、"
        "第四十二条）"
    ),
}
# Arbitration Law art 3: marriage, adoption, guardianship, maintenance and succession
# disputes cannot be arbitrated.
NOT_ARBITRABLE = {Category.MARRIAGE_FAMILY}
# The categories whose agreements may touch personal status or the title to property or
# IP: the confirmation request must answer both questions explicitly (民诉法解释 art 355).
STATUS_OR_TITLE_CATEGORIES = frozenset(
    {
        Category.MARRIAGE_FAMILY,
        Category.HOUSING_LAND,
        Category.LAND_CONTRACT,
        Category.FOREST_LAND,
        Category.IP,
    }
)


def arbitration_scope(category: str) -> str:
    """The commission that hears a category: labour and land-contract disputes have their
    own statutory commissions; everything else goes to a commercial one by agreement."""
    if category == Category.LABOR:
        return ArbitrationScope.LABOR
    if category == Category.LAND_CONTRACT:
        return ArbitrationScope.LAND_CONTRACT
    return ArbitrationScope.COMMERCIAL


def refer_routes(case_or_network: Case | str, category: str | None = None) -> list[str]:
    """The routes the law leaves open for a failed dispute of this network and category."""
    network = getattr(case_or_network, "network", case_or_network)
    category = getattr(case_or_network, "category", category)
    if network == Network.JUDICIAL:
        return [ReferRoute.LITIGATION]
    if category == Category.LABOR:
        # LDMAL art 5: labour arbitration first, never straight to a court.
        routes = [ReferRoute.ARBITRATION]
    else:
        routes = [ReferRoute.ARBITRATION, ReferRoute.LITIGATION]
        if category in NOT_ARBITRABLE:
            routes.remove(ReferRoute.ARBITRATION)
        if network == Network.ADMINISTRATIVE:
            routes.append(ReferRoute.ADMINISTRATIVE_ADJUDICATION)
    # legal aid: offered where a party qualifies (checked by the refer form)
    return [*routes, ReferRoute.LEGAL_AID]


LEGAL_AID_REFUSAL = gettext_lazy(
    "当事人均不符合法律援助条件：须经济困难（第三十一条），或属免予核查经济困难的人员——"
    "无固定生活来源的未成年人、老年人、残疾人，社会救助、优抚对象，申请支付劳动报酬或工伤赔偿的"
    "进城务工人员（《中华人民共和国法律援助法》第四十二条）"
)


def agreement_forms(category: str) -> list[str]:
    if category in WRITTEN_ONLY:
        return [AgreementForm.WRITTEN]
    return [AgreementForm.WRITTEN, AgreementForm.ORAL]


def court_jurisdiction_error(case: Case, court: Organization) -> str | None:
    """CPL art 205: the referring court for a court referral; otherwise the basic court of
    the district (where a party lives, the object lies or the mediating body sits) or its
    people's tribunal for the place. None when `court` may hear the application."""
    if case.channel == Channel.COURT_REFERRAL:
        referring = [h.org_id for h in case.handoffs.all() if h.kind == HandoffKind.COURT_REFERRAL]
        if referring and court.pk not in referring:
            return _(
                "法院委派调解达成的协议，应向作出委派的人民法院申请司法确认"
                "（《民事诉讼法》第二百零五条第一项）"
            )
        if referring:
            return None
    basic = court if court.parent_id is None else court.parent
    district = _district_of(case.org)
    if basic is None or basic.kind != OrgKind.COURT or basic.region != district:
        return _(
            "该法院对本案无管辖权：应向当事人住所地、标的物所在地或调解组织所在地的基层人民法院"
            "申请司法确认（《民事诉讼法》第二百零五条第二项）"
        )
    if court.parent_id is not None and court.region not in {case.region, case.org.region}:
        return _(
            "人民法庭只受理本辖区的司法确认申请，请向基层人民法院或纠纷所在地的人民法庭申请"
            "（《民事诉讼法》第二百零五条第二项）"
        )
    return None


def _district_of(org: Organization) -> str:
    """The district an organisation belongs to: the region of the root of its tree."""
    seen = set()
    while org.parent_id is not None and org.pk not in seen:
        seen.add(org.pk)
        org = cast("Organization", org.parent)  # parent_id is set
    return org.region


SCOPE_MISMATCH: dict[str, StrOrPromise] = {
    ArbitrationScope.LABOR: gettext_lazy(
        "劳动争议由劳动人事争议仲裁委员会仲裁（《劳动争议调解仲裁法》第五条、第二十一条）"
    ),
    ArbitrationScope.LAND_CONTRACT: gettext_lazy(
        "农村土地承包经营纠纷由农村土地承包仲裁委员会仲裁（《农村土地承包经营纠纷调解仲裁法》"
        "第四条）"
    ),
    ArbitrationScope.COMMERCIAL: gettext_lazy(
        "该仲裁委员会不受理此类纠纷，请选择当事人仲裁协议约定的仲裁委员会（《仲裁法》第四条、"
        "第十六条）"
    ),
}
