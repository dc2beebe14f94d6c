"""The case table's sums in one statement (figures.ministry_table): the period's cases once
(a materialised CTE), each one's latest agreement, last follow-up and party count joined
from grouped sets over those cases only, and the sums by category.

Written with Django's ORM, the three lookups were correlated subqueries repeated inside
every column's FILTER — fourteen subplans per case, and even once each ~18 µs a case: a
year of the million-case district took seconds. Joins of sets are what the database does
fast (bench/county.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import connections, transaction
from django.db.models import QuerySet

from mediation.law.choices import EscalationKind
from mediation.models import Agreement, Case, CaseParty, FollowUp

# 调解成功: the mediation reached an agreement, counted once per case whatever the court
# later ruled on it — a refused confirmation (and a referral after it) stays a success;
# a case whose mediation resumed counts once it agrees again (its latest agreement).
SUCCESS = (
    "((t.outcome IN ('agreed', 'confirmed', 'confirmation_rejected')"
    " OR (t.outcome = 'referred' AND t.end_reason = '')) AND t.agreement_form IS NOT NULL)"
)
ACCEPTED = "t.accepted_at IS NOT NULL"


def _columns(sources: Mapping[str, tuple[str, ...]]) -> list[tuple[str, str, str]]:
    cols = [
        ("accepted", ACCEPTED, "1"),
        ("succeeded", SUCCESS, "1"),
        ("written", f"{SUCCESS} AND t.agreement_form = 'written'", "1"),
        ("oral", f"{SUCCESS} AND t.agreement_form = 'oral'", "1"),
        ("amount", SUCCESS, "t.agreement_amount"),
        ("performed", f"{SUCCESS} AND t.last_performed", "1"),
        ("confirmation_requested", "t.confirmation_requested_at IS NOT NULL", "1"),
        ("confirmed", "t.outcome = 'confirmed'", "1"),
    ]
    for kind in EscalationKind.values:
        cols.append((f"prevented_{kind}", f"{SUCCESS} AND t.risk_kind = '{kind}'", "1"))
    for key, channels in sources.items():
        listed = ", ".join(f"'{c}'" for c in channels)  # our own choice codes, not input
        cols.append((key, f"{ACCEPTED} AND t.channel IN ({listed})", "1"))
    return cols


# The case table's statement (sums_by_category fills it in).
STATEMENT = """
    WITH c AS MATERIALIZED ({sql}),
    a AS (
        SELECT case_id, form, amount FROM (
            SELECT ag.case_id, ag.form, ag.amount, ROW_NUMBER() OVER (
                PARTITION BY ag.case_id ORDER BY ag.id DESC) AS rn
            FROM {agreement} ag JOIN c ON c.id = ag.case_id
        ) ordered WHERE rn = 1
    ),
    f AS (
        SELECT case_id, performed FROM (
            SELECT fu.case_id, fu.performed, ROW_NUMBER() OVER (
                PARTITION BY fu.case_id ORDER BY fu.date DESC, fu.id DESC) AS rn
            FROM {follow_up} fu JOIN c ON c.id = fu.case_id
        ) ordered WHERE rn = 1
    ),
    t AS (
        SELECT c.*, a.form AS agreement_form, a.amount AS agreement_amount,
            f.performed AS last_performed
        FROM c LEFT JOIN a ON a.case_id = c.id LEFT JOIN f ON f.case_id = c.id
    ),
    sums AS (SELECT t.category, {sums} FROM t GROUP BY t.category),
    -- the parties of the accepted cases, counted by category (no per-case set)
    parties AS (
        SELECT c.category, COUNT(*) AS n FROM c JOIN {party} cp ON cp.case_id = c.id
        WHERE c.accepted_at IS NOT NULL GROUP BY c.category
    )
    SELECT sums.*, parties.n FROM sums LEFT JOIN parties ON parties.category = sums.category
"""


def sums_by_category(
    cases: QuerySet[Case], sources: Mapping[str, tuple[str, ...]]
) -> dict[str, dict[str, Any]]:
    """{category: {column: sum}} over `cases` (the scoped cases of the period)."""
    inner = cases.values(
        "id",
        "category",
        "accepted_at",
        "outcome",
        "end_reason",
        "channel",
        "risk_kind",
        "confirmation_requested_at",
    )
    connection = connections[inner.db]
    sql, params = inner.query.sql_with_params()
    agreement = Agreement._meta.db_table
    follow_up = FollowUp._meta.db_table
    party = CaseParty._meta.db_table
    cols = _columns(sources)
    sums = ", ".join(
        f"SUM(CASE WHEN {cond} THEN {value} END) AS {key}" for key, cond, value in cols
    )
    # Our own table names, column expressions over our choice codes and the inner
    # queryset's SQL, whose values go separately as `params`: nothing of a request.
    query = STATEMENT.format(  # nosec B608
        sql=sql, agreement=agreement, follow_up=follow_up, party=party, sums=sums
    )
    with transaction.atomic(using=inner.db), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this statement's ~100 expressions cost PostgreSQL's JIT 2 s, more
            # than running it. The CTE has no statistics: the planner hashed the whole
            # party (2,000,000 rows) and agreement tables to join a year's cases, 4.5 s;
            # by their case_id indexes the joins take under a second (bench/county.py:
            # a year of the million-case district 5.3 s → 1.1 s on the loaded host).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute(query, params)
        names = ["category", *(key for key, _c, _v in cols), "parties"]
        out = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    for row in out.values():  # SQLite sums decimals as floats: back to the cents
        if row["amount"] is not None:
            row["amount"] = Decimal(str(row["amount"]))
    return out
