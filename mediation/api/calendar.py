"""GET/POST/DELETE /api/calendar/ (DESIGN §12.1): a year's holiday arrangement, kept by
supervisors and the system administrator. A change moves every open clock
(mediation.actions.clock_changes) in the same transaction and answers how many cases moved."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.limits import BoundedJSONParser
from mediation import policies
from mediation.actions import clock_changes
from mediation.errors import InvalidFields, NotPermitted
from mediation.law import clocks
from mediation.models.clocks import Holiday
from mediation.policies import Actor

from .signed_in import SignedInRequest
from .views import errors


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=[("rest", "休息"), ("work", "上班")])
    note = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="把法定节假日登记为上班日时须为 true"
    )


YEAR_SHAPE = inline_serializer(
    "CalendarYear",
    {
        "year": serializers.IntegerField(),
        "confirmed": serializers.BooleanField(help_text="该年放假安排已公布（包内或已录入）"),
        "note": serializers.CharField(help_text="未公布时显示的说明"),
        "statutory": serializers.ListField(child=serializers.DateField()),
        "days": serializers.ListField(
            child=inline_serializer(
                "CalendarRow",
                {
                    "date": serializers.DateField(),
                    "kind": serializers.CharField(),
                    "note": serializers.CharField(),
                },
            )
        ),
    },
)
CHANGED_SHAPE = inline_serializer(
    "CalendarChange",
    {
        "date": serializers.DateField(),
        "kind": serializers.CharField(),
        "note": serializers.CharField(),
        "cases_moved": serializers.IntegerField(help_text="期限因此变动的在办案件数"),
    },
)


def _keeper(user: Actor) -> None:
    if not policies.may_keep_calendar(user):
        raise NotPermitted(_("只有司法局监督管理人员或系统管理员可以维护节假日安排"))


def year_json(year: int) -> dict:
    rows = Holiday.objects.filter(date__year=year).order_by("date")
    return {
        "year": year,
        "confirmed": clocks.year_known(year),
        "note": ""
        if clocks.year_known(year)
        else _("（%(year)d年放假安排未公布，按法定节假日推算）") % {"year": year},
        "statutory": sorted(d.isoformat() for d in clocks.statutory_rest_days(year)),
        "days": [
            {
                "date": r.date.isoformat(),
                "kind": "work" if r.is_working_day else "rest",
                "note": r.note,
            }
            for r in rows
        ],
    }


class CalendarView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        summary="节假日安排（某年）：法定节假日、已录入的放假安排与调休上班日",
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="默认今年")],
        responses={200: YEAR_SHAPE, **errors(400, 401, 403)},
    )
    def get(self, request: SignedInRequest) -> Response:
        _keeper(request.user)
        raw = request.query_params.get("year", "")
        if raw:
            if (
                not (raw.isascii() and raw.isdigit())
                or not clocks.FIRST_YEAR <= int(raw) <= clocks.LAST_YEAR
            ):
                raise InvalidFields(_("筛选条件有误"), {"year": [_("年份须在 2000 至 2100 之间")]})
            year = int(raw)
        else:
            year = timezone.localdate().year
        return Response(year_json(year))

    @extend_schema(
        summary="录入或修改一日（休息 rest / 上班 work）；所有在办期限随之重算",
        request=CalendarDaySerializer,
        responses={200: CHANGED_SHAPE, **errors(400, 401, 403, 415)},
    )
    def post(self, request: SignedInRequest) -> Response:
        _keeper(request.user)
        body = CalendarDaySerializer(data=request.data)
        if not body.is_valid():
            raise InvalidFields(
                _("提交的内容有误"), {k: [str(m) for m in v] for k, v in body.errors.items()}
            )
        d = body.validated_data
        row, moved = clock_changes.set_holiday(
            request.user, d["date"], d["kind"], d["note"], confirm=d["confirm"]
        )
        return Response(
            {
                "date": row.date.isoformat(),
                "kind": "work" if row.is_working_day else "rest",
                "note": row.note,
                "cases_moved": len(moved),
            }
        )

    @extend_schema(
        summary="删除一日的登记；所有在办期限随之重算",
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
        responses={200: CHANGED_SHAPE, **errors(400, 401, 403)},
    )
    def delete(self, request: SignedInRequest) -> Response:
        _keeper(request.user)
        raw = request.query_params.get("date", "")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise InvalidFields(
                _("提交的内容有误"), {"date": [_("日期格式应为 年-月-日")]}
            ) from None
        moved = clock_changes.delete_holiday(request.user, day)
        return Response(
            {"date": day.isoformat(), "kind": "", "note": "", "cases_moved": len(moved)}
        )
