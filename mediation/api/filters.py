"""Filters of GET /api/cases/ (DESIGN.md §6); the statistics reuse them."""

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.views import APIView

from config.converters import ID_MAX
from mediation.law.choices import OPEN_STATES, Category, Channel, Network, State
from mediation.models import Case, CaseParty
from mediation.models.crypto import party_search_q


class QueryFilterBackend(DjangoFilterBackend):
    """django-filter, not run when the request names none of the filter's parameters.

    An unfiltered queue page is the hot path of the desks and integrators; building the
    FilterSet's form (a deep copy of every field) and validating an empty one is a cost
    it need not pay. With any filter parameter present,
    including an invalid one, the FilterSet runs as before and answers 400 for bad input."""

    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and request.query_params.keys().isdisjoint(
            filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictBooleanField(forms.NullBooleanField):
    """`true` / `false` (or absent); django-filter's own reads any other text as absent,
    so `?priority=yes` silently listed everything."""

    widget = forms.TextInput  # the raw text, not a select that maps the unknown to None

    def to_python(self, value: object) -> bool | None:  # type: ignore[override]  # null: absent
        if isinstance(value, bool):
            return value
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(_("应为 true 或 false"), code="invalid")

    def validate(self, value: object) -> None:
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class _ChoicesOrEmpty(forms.MultipleChoiceField):
    """`?state=` is absent, as an empty `?priority=` or `?region=` is (the pages' forms
    send unset filters empty); an unknown value is still a 400."""

    def to_python(self, value: object) -> list[str]:
        return [v for v in super().to_python(value) if v != ""]


class ChoicesOrEmptyFilter(django_filters.MultipleChoiceFilter):
    field_class = _ChoicesOrEmpty


def _day_start(day: dt.date | None) -> dt.datetime | None:
    """Start of `day` in the site's time zone, or None when the date cannot be one."""
    if day is None:
        return None
    try:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        start.astimezone(dt.UTC)  # years 1 and 9999 overflow once shifted to UTC
    except (OverflowError, ValueError):
        return None
    return start


class CaseFilter(django_filters.FilterSet):
    state = ChoicesOrEmptyFilter(choices=State.choices)
    network = django_filters.ChoiceFilter(choices=Network.choices)
    org = django_filters.NumberFilter(field_name="org_id", min_value=1, max_value=ID_MAX)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    priority = StrictBooleanFilter()
    overdue = StrictBooleanFilter(method="filter_overdue")
    region = django_filters.CharFilter()
    q = django_filters.CharFilter(method="filter_q", max_length=100)
    created_after = django_filters.DateFilter(method="filter_created_after")
    created_before = django_filters.DateFilter(method="filter_created_before")

    class Meta:
        model = Case
        fields = [
            "state",
            "network",
            "org",
            "category",
            "channel",
            "priority",
            "overdue",
            "region",
            "q",
            "created_after",
            "created_before",
        ]

    # `value` (True, False or None) is left unannotated: drf-spectacular documents a filter
    # method's hint as the parameter's type, and it reads `bool | None` as a string.
    def filter_overdue(self, qs: QuerySet[Case], name: str, value) -> QuerySet[Case]:
        if value is None:
            return qs
        overdue = Q(state__in=OPEN_STATES, due_at__lt=timezone.now())
        return qs.filter(overdue) if value else qs.exclude(overdue)

    def filter_q(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        value = value.strip()
        if not value:
            return qs
        party = CaseParty.objects.filter(party_search_q(value), case_id=OuterRef("pk"))
        return qs.filter(Q(number__icontains=value) | Q(summary__icontains=value) | Exists(party))

    def filter_created_after(self, qs: QuerySet[Case], name: str, value: dt.date) -> QuerySet[Case]:
        """On or after this day (Asia/Shanghai)."""
        start = _day_start(value)
        return qs if start is None else qs.filter(created_at__gte=start)

    def filter_created_before(
        self, qs: QuerySet[Case], name: str, value: dt.date
    ) -> QuerySet[Case]:
        """Before the end of this day (Asia/Shanghai), i.e. the day itself is included."""
        start = _day_start(value + dt.timedelta(days=1)) if value < dt.date.max else None
        return qs if start is None else qs.filter(created_at__lt=start)
