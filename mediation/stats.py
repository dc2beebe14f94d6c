"""District statistics (DESIGN.md §8) over a queryset of cases the caller may see."""

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .choices import OPEN_STATES, Category, Channel, Network

# "Agreed" counts agreements that stand; "ended" counts every case whose mediation reached an
# outcome (declined cases were never mediated, so they are in neither).
AGREED_OUTCOMES = ("agreed", "confirmed")
ENDED_OUTCOMES = ("agreed", "confirmed", "confirmation_rejected", "failed", "referred", "withdrawn")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _counts(qs, field: str, labels: dict | None = None) -> list[dict]:
    rows = qs.order_by().values(field).annotate(n=Count("id")).order_by("-n", field)
    out = []
    for row in rows:
        key = row[field] or ""
        label = str(labels.get(key, key)) if labels else key
        out.append({"key": key, "label": label, "count": row["n"]})
    return out


def summary(cases, now=None) -> dict:
    now = now or timezone.now()
    totals = cases.order_by().aggregate(
        total=Count("id"),
        agreed=Count("id", filter=Q(outcome__in=AGREED_OUTCOMES)),
        ended=Count("id", filter=Q(outcome__in=ENDED_OUTCOMES)),
        confirmation_requested=Count("id", filter=Q(confirmation_requested_at__isnull=False)),
        confirmed=Count("id", filter=Q(outcome="confirmed")),
        overdue=Count("id", filter=Q(state__in=OPEN_STATES, due_at__lt=now)),
        priority=Count("id", filter=Q(priority=True)),
    )
    months = (
        cases.order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    by_month = [
        {
            "key": timezone.localtime(r["month"]).strftime("%Y-%m") if r["month"] else "",
            "label": timezone.localtime(r["month"]).strftime("%Y年%m月") if r["month"] else "",
            "count": r["n"],
        }
        for r in months
    ]
    return {
        "as_of": now,
        "total": totals["total"],
        "by_network": _counts(cases, "network", dict(Network.choices)),
        "by_category": _counts(cases, "category", dict(Category.choices)),
        "by_channel": _counts(cases, "channel", dict(Channel.choices)),
        "by_region": _counts(cases, "region"),
        "by_month": by_month,
        "agreed": totals["agreed"],
        "ended": totals["ended"],
        "success_rate": _rate(totals["agreed"], totals["ended"]),
        "confirmation_requested": totals["confirmation_requested"],
        "confirmed": totals["confirmed"],
        "confirmation_rate": _rate(totals["confirmed"], totals["confirmation_requested"]),
        "overdue": totals["overdue"],
        "priority": totals["priority"],
        "priority_share": _rate(totals["priority"], totals["total"]),
    }
