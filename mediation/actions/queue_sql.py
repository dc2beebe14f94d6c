"""The rows of a queue page in three hand-written queries (GET /api/cases/), and the case
the detail and every action's answer show (case_json).

Why it exists: the case list is the most requested page of every desk and integrator,
and every action answers with the case. Read through the ORM (`select_related` plus two
`Prefetch`es), building, compiling and populating the same queries cost more than the
database did (`make bench BENCH_ARGS=scale`). Here the SQL is written
once from model metadata and its rows go through every field's database converters as
the ORM's compiler applies them (the SM4-encrypted ID numbers and phones are decrypted as
on any ORM read). The instances come out as the ORM's would: the case with its
organisation and mediator cached, its `case_parties` (each with its party) and `handoffs`
(each with its organisation) as prefetched lists, so the serializer, the masking and the
rules behind `available_transitions` read them without a query. The organisations and
the mediator carry only the columns shown (reading another loads it, as a deferred field
does); cases, parties and handoffs are whole rows.

`tests/api/test_queue_sql.py` compares every row and every detail with the ORM's, for
every demo user.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.expressions import Col
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related import ForeignKey
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.fields.reverse_related import ManyToOneRel
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.models.sql import Query
from django_fsm import ConcurrentTransitionMixin, FSMFieldDescriptor

from mediation.models import Case, CaseParty, Handoff, Organization, Party
from mediation.models.case_sql import bind, compiled_once, per_database

_MEDIATOR_FIELDS = ("id", "username", "first_name", "last_name")
_LINK_FIELDS = ("id", "case_id", "party_id", "role", "position")

_M = TypeVar("_M", bound=Model)
# A database converter: (value, expression, connection) -> value.
Converter: TypeAlias = Callable[[Any, Any, Any], Any]


class Columns(Generic[_M]):
    """Columns of `model` (all concrete fields, or the named ones) under a table alias,
    with their database converters, as the ORM's compiler would read them."""

    def __init__(self, model: type[_M], alias: str, names: tuple[str, ...] = ()) -> None:
        meta = model._meta
        fields = [_column(model, n) for n in names] if names else list(meta.concrete_fields)
        qn = connection.ops.quote_name
        self.model, self.names = model, tuple(f.attname for f in fields)
        self.sql = ", ".join(f"{alias}.{qn(f.column)}" for f in fields)
        self.converters: list[tuple[int, list[Converter], Col]] = []
        for i, field in enumerate(fields):
            col = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self.converters.append((i, found, col))
        self.plain = _plain_init(model, self.names)
        self.fsm = issubclass(model, ConcurrentTransitionMixin)

    def values(self, row: Sequence[Any], start: int, db: BaseDatabaseWrapper) -> list[Any]:
        values = list(row[start : start + len(self.names)])
        for i, converters, col in self.converters:
            value = values[i]
            for convert in converters:
                value = convert(value, col, db)
            values[i] = value
        return values

    def instance(self, row: Sequence[Any], db: BaseDatabaseWrapper, start: int = 0) -> _M:
        values = self.values(row, start, db)
        if not self.plain:
            return self.model.from_db(db.alias, self.names, values)
        # What Model.from_db leaves behind, without the generic __init__ (a page builds a
        # hundred instances, and the generic __init__ is the slow part of it).
        obj = object.__new__(self.model)
        obj._state = state = ModelState()
        state.adding, state.db = False, db.alias
        obj.__dict__.update(zip(self.names, values, strict=True))
        if self.fsm:
            obj._update_initial_state()  # type: ignore[attr-defined]  # private to django-fsm, not in the stub  # django-fsm's state guard, as its __init__ does
        return obj


def _column(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field


# Descriptors whose __set__ on a new instance is a plain store in its __dict__ (the
# deferred-field and foreign-key ones; django-fsm's for a valid state from the database).
_PLAIN_SETTERS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    FSMFieldDescriptor,
)


def _plain_init(model: type[Model], attnames: tuple[str, ...]) -> bool:
    """Whether Model.__init__ on these columns does nothing but store each value and fire
    pre_init/post_init: no __init__ of its own (django-fsm's state guard aside), nobody
    listening to those signals, and nothing but plain stores behind the attributes. Else
    `instance` goes through from_db. tests/api/test_queue_sql.py compares the two."""
    inits = {k for k in model.__mro__ if "__init__" in k.__dict__} - {object}
    return (
        inits <= {Model, ConcurrentTransitionMixin}
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
        and all(type(inspect.getattr_static(model, a, None)) in _PLAIN_SETTERS for a in attnames)
    )


_AllColumns: TypeAlias = tuple[
    Columns[Case],
    Columns[Organization],
    Columns[Any],  # the user model
    Columns[Party],
    Columns[CaseParty],
    Columns[Handoff],
    Columns[Organization],
]


def _build_columns() -> _AllColumns:
    user_model = get_user_model()
    return (
        Columns(Case, "c"),
        Columns(Organization, "o", ("id", "name")),
        Columns(user_model, "u", _MEDIATOR_FIELDS),
        Columns(Party, "p"),
        Columns(CaseParty, "l", _LINK_FIELDS),
        Columns(Handoff, "h"),
        Columns(Organization, "ho", ("id", "name")),
    )


def _columns() -> _AllColumns:
    # Per database: quoting and converters are the backend's.
    columns: _AllColumns = per_database(("queue_columns",), _build_columns)
    return columns


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# One empty query per model under every prefetched list, not a new sql.Query per case and
# relation: a query is never changed in place (filtering a queryset clones it first).
_empty_query: dict[type[Model], Query] = {}


def _prefetched(case: Case, related: str, model: type[Model], rows: Sequence[Model]) -> None:
    # What Django's prefetch_related leaves behind: a queryset whose result is the list,
    # under the relation's cache name, which `case.<related>.all()` then returns as is.
    query = _empty_query.get(model)
    if query is None:
        query = _empty_query[model] = Query(model)
    qs: QuerySet[Model] = QuerySet(model=model, query=query)
    qs._result_cache = list(rows)
    qs._prefetch_done = True  # type: ignore[attr-defined]  # Django's private flag, not in the stubs
    case._prefetched_objects_cache[related] = qs  # type: ignore[attr-defined]  # as above


def page_cases(ids: list[int]) -> list[Case]:
    """The cases with these ids, in no particular order, ready to serialise as queue rows.

    The ids must already have passed the caller's visibility: nothing is filtered here."""
    if not ids:
        return []
    cases_c, org_c, user_c, party_c, link_c, handoff_c, handoff_org_c = _columns()
    marks = ", ".join(["%s"] * len(ids))
    n_case, n_org = len(cases_c.names), len(org_c.names)
    # Identifiers come from model metadata; every value is a bound parameter.
    # The connection once: every `connection.x` is a lookup in asgiref's thread-local
    # storage, too slow to repeat per value and per instance.
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cur:
        cur.execute(
            f"SELECT {cases_c.sql}, {org_c.sql}, {user_c.sql} "  # nosec B608
            f"FROM {_table(Case)} c INNER JOIN {_table(Organization)} o ON o.id = c.org_id "
            f"LEFT OUTER JOIN {_table(get_user_model())} u ON u.id = c.mediator_id "
            f"WHERE c.id IN ({marks})",
            ids,
        )
        case_rows = cur.fetchall()
        cur.execute(
            f"SELECT {link_c.sql}, {party_c.sql} FROM {_table(CaseParty)} l "  # nosec B608
            f"INNER JOIN {_table(Party)} p ON p.id = l.party_id "
            f"WHERE l.case_id IN ({marks}) ORDER BY l.case_id, l.position, l.id",
            ids,
        )
        party_rows = cur.fetchall()
        cur.execute(
            f"SELECT {handoff_c.sql}, {handoff_org_c.sql} "  # nosec B608
            f"FROM {_table(Handoff)} h INNER JOIN {_table(Organization)} ho ON ho.id = h.org_id "
            f"WHERE h.case_id IN ({marks}) ORDER BY h.id",
            ids,
        )
        handoff_rows = cur.fetchall()
    links: dict[int, list[CaseParty]] = {}
    n_link = len(link_c.names)
    for row in party_rows:
        link = link_c.instance(row, db)
        CaseParty.party.field.set_cached_value(link, party_c.instance(row, db, n_link))
        links.setdefault(link.case_id, []).append(link)
    orgs: dict[int, Organization] = {}
    mediators: dict[int | None, Any] = {None: None}
    cases: list[Case] = []
    handoffs: dict[int, list[Handoff]] = {}
    n_handoff = len(handoff_c.names)
    for row in handoff_rows:
        handoff = handoff_c.instance(row, db)
        if handoff.org_id not in orgs:
            orgs[handoff.org_id] = handoff_org_c.instance(row, db, n_handoff)
        Handoff.org.field.set_cached_value(handoff, orgs[handoff.org_id])
        handoffs.setdefault(handoff.case_id, []).append(handoff)
    for row in case_rows:
        case = cases_c.instance(row, db)
        # One instance per organisation and per mediator on the page (select_related
        # gives equal copies; nothing here writes to them).
        if case.org_id not in orgs:
            orgs[case.org_id] = org_c.instance(row, db, n_case)
        if case.mediator_id not in mediators:
            mediators[case.mediator_id] = user_c.instance(row, db, n_case + n_org)
        Case.org.field.set_cached_value(case, orgs[case.org_id])
        Case.mediator.field.set_cached_value(case, mediators[case.mediator_id])
        case._prefetched_objects_cache = {}  # type: ignore[attr-defined]  # Django's prefetch cache, not in the stubs
        _prefetched(case, "case_parties", CaseParty, links.get(case.pk, []))
        _prefetched(case, "handoffs", Handoff, handoffs.get(case.pk, []))
        cases.append(case)
    return cases


# What the case detail shows beyond a queue row (CaseDetailSerializer): a handful of rows
# per relation, in each model's own order.
RECORDS = ("agreements", "sessions", "follow_ups", "attachments")
_CASE_SENTINEL = -72_720_002


def _records(
    related: str,
) -> tuple[type[Model], ForeignKey[Any, Any], str, list[Any], Columns[Model]]:
    """The related model, the reverse foreign key, the relation's SQL with its parameters
    (the default manager's query, as Django's prefetch builds it, compiled once with the
    case id a sentinel) and the model's columns."""
    rel = Case._meta.get_field(related)
    if not isinstance(rel, ManyToOneRel):
        raise TypeError(f"{related} is not a reverse foreign key of Case")
    fk = rel.field
    model = fk.model  # the related model of a reverse foreign key
    sql, params = compiled_once(
        ("records", related),
        lambda: model._default_manager.filter(**{fk.attname: _CASE_SENTINEL}),
    )
    columns: Columns[Model] = per_database(("record_columns", related), lambda: Columns(model, "r"))
    return model, fk, sql, params, columns


def detail_case(pk: int) -> Case:
    """One case with everything its detail shows (case_json); Case.DoesNotExist if none.

    Its records are read by SQL compiled once: every action answers with the case, and
    building Django's four prefetch queries (one of them ordered through a join on the
    case) each time cost more than running them; tests/api/test_queue_sql.py compares
    the two."""
    cases = page_cases([pk])
    if not cases:
        raise Case.DoesNotExist(f"no case {pk}")
    case = cases[0]
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cur:
        for related in RECORDS:
            model, fk, sql, params, columns = _records(related)
            cur.execute(sql, bind(params, {_CASE_SENTINEL: pk}))
            rows = [columns.instance(row, db) for row in cur.fetchall()]
            for obj in rows:
                fk.set_cached_value(obj, case)  # as prefetch leaves it: record.case is the case
            _prefetched(case, related, model, rows)
    return case
