"""Administrative mediation stays within the organ's remit (DESIGN.md §2; issue #28): a
traffic police brigade mediates road-accident compensation (《道路交通安全法》第七十四条),
a health bureau medical disputes (《医疗纠纷预防和处理条例》第四十条), and so on. The
remit is a table per kind of organ (`OrganRemit`, keyed by `Organization.subtype`), seeded
below and edited by an administrator; an organ whose kind has no row mediates nothing
until one is added."""

from __future__ import annotations

from django.utils.translation import gettext as _

from mediation.models import Organization, OrganRemit

from .choices import Category, OrgKind

# subtype, name, categories, basis — the seed of the table (migration 0006 writes it).
SEEDED: list[tuple[str, str, list[str], str]] = [
    (
        "traffic_police",
        "公安机关交通管理部门",
        [Category.TRAFFIC],
        "对交通事故损害赔偿的争议，当事人可以请求公安机关交通管理部门调解"
        "（《道路交通安全法》第七十四条）",
    ),
    (
        "health",
        "卫生健康主管部门",
        [Category.MEDICAL],
        "医患双方可以申请医疗纠纷行政调解（《医疗纠纷预防和处理条例》第四十条）",
    ),
    (
        "human_resources",
        "人力资源社会保障部门",
        [Category.LABOR],
        "发生劳动争议，当事人可以向调解组织申请调解（《劳动争议调解仲裁法》第五条）",
    ),
    (
        "market_regulation",
        "市场监督管理部门",
        [Category.CONSUMER],
        "消费者和经营者发生消费者权益争议的，可以向有关行政部门投诉"
        "（《消费者权益保护法》第三十九条）",
    ),
    (
        "natural_resources",
        "自然资源主管部门",
        [Category.HOUSING_LAND, Category.FOREST_LAND],
        "土地所有权和使用权争议，协商不成的，由人民政府处理（《土地管理法》第十四条）",
    ),
]


def remit_error(org: Organization, category: str) -> str | None:
    """Why `org` may not mediate a dispute of `category`, or None."""
    if org.kind != OrgKind.ADMIN_ORGAN:
        return None
    remit = OrganRemit.objects.filter(subtype=org.subtype).first()
    if remit is None:
        return _(
            "%(org)s未登记行政调解职责范围，不能受理调解（由管理员在“行政调解职责范围”中设置）"
        ) % {"org": org.name}
    if category in remit.categories:
        return None
    label = Category(category).label if category in Category.values else category
    allowed = "、".join(str(Category(c).label) for c in remit.categories if c in Category.values)
    return _(
        "行政机关只在其职责范围内调解：%(org)s调解%(allowed)s纠纷，"
        "不调解%(category)s纠纷（%(basis)s）"
    ) % {"org": org.name, "allowed": allowed or "—", "category": label, "basis": remit.basis}
