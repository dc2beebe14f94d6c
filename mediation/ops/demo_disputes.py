"""The demo's disputes made to hang together (issue #28: demo data a supervisor would not
question): what the parties agree to answers the claim, the respondent is who such a
dispute is with, and a termination notice names the routes the dispute has."""

from mediation.law.choices import Category
from mediation.models import Case

# What the parties agree to, by the dispute (an agreement that answers the claim).
TERMS: dict[str, str] = {
    Category.NEIGHBOUR: "被申请人于协议生效后十日内改建排水沟，并赔偿申请人损失人民币三千元。",
    Category.LABOR: "被申请人于协议生效后十日内向申请人支付拖欠工资人民币三千元。",
    Category.TRAFFIC: "被申请人于协议生效后十日内赔偿申请人车辆维修费人民币三千元。",
    Category.MARRIAGE_FAMILY: (
        "被申请人于协议生效后十日内向申请人支付其应分担的父母赡养费人民币三千元，此后按月分担。"
    ),
    Category.HOUSING_LAND: (
        "双方以现有院墙外沿为宅基地界线；被申请人于协议生效后十日内补偿申请人人民币三千元。"
    ),
    Category.LAND_CONTRACT: "被申请人于协议生效后十日内向申请人支付剩余土地流转费人民币三千元。",
    Category.CONTRACT: "被申请人于协议生效后十日内退还申请人货款人民币三千元。",
    Category.MEDICAL: "被申请人于协议生效后十日内赔偿申请人医疗费人民币三千元。",
    Category.PROPERTY_MGMT: (
        "被申请人于协议生效后十日内修复小区照明和门禁；申请人同时补交物业费人民币三千元。"
    ),
    Category.CONSUMER: "被申请人于协议生效后十日内为申请人办理退货，退还货款人民币三千元。",
}
# Who the other side is: an employer, a hospital, a property or a sales company is an
# organisation; a contract, a land lease or an accident may be with one (drawn); a family,
# a neighbour or a homestead boundary is between people.
ORG_RESPONDENT: dict[str, str] = {
    Category.LABOR: "红寺堡区某建筑公司",
    Category.MEDICAL: "红寺堡区某民营医院",
    Category.PROPERTY_MGMT: "某物业服务公司",
    Category.CONSUMER: "红寺堡区某农机销售公司",
}
MAY_BE_ORG: dict[str, str] = {
    Category.CONTRACT: "某农业合作社",
    Category.LAND_CONTRACT: "某农业合作社",
    Category.TRAFFIC: "红寺堡区某建筑公司",
}


def routes(case: Case) -> str:
    """The routes a termination notice names: arbitration only for a labour dispute
    (劳动争议调解仲裁法 第五条); a tort or a contract goes to court."""
    if case.category == Category.LABOR:
        return "可向劳动人事争议仲裁委员会申请仲裁"
    return "可向人民法院提起诉讼"


def terms(case: Case) -> str:
    return TERMS.get(case.category, "被申请人于协议生效后十日内支付申请人人民币三千元。")


def respondent_org(category: str, drawn: bool) -> str | None:
    """The organisation the respondent is, or None for a person."""
    return ORG_RESPONDENT.get(category) or (MAY_BE_ORG.get(category) if drawn else None)
