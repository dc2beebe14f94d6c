"""Pages of the justice bureau's supervisor (DESIGN.md §8): the district dashboard, the
Ministry's statistics table, the mediator roster, complaint handling; and the public
complaint form. Thin: figures come from mediation.supervision.figures, changes go through
mediation.supervision.complaints, rights from mediation.policies."""

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from config import replica
from config.replica import reads_statistics
from mediation import policies
from mediation.actions import clock_changes
from mediation.api.calendar import year_json
from mediation.api.supervision import complaint_json
from mediation.county import advisers, indicators, subsidies
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law import clocks
from mediation.law.choices import MEDIATING_KINDS, Category, Network, Role
from mediation.law.identity import display_name
from mediation.models import Complaint, Membership, Organization
from mediation.models.supervision import ComplaintState, MediatorKind
from mediation.ops.ratelimit import client_ip as _client_ip
from mediation.ops.ratelimit import hit as _hit
from mediation.prevention import records as prevention
from mediation.supervision import charts, complaints, roster
from mediation.supervision import figures as supervision
from mediation.web import AuthedRequest

from .cases import case_list

BLANK = [("", "—")]


def supervisor_context(request: HttpRequest) -> dict[str, bool]:
    """Context processor: whether to show the supervision menu (one cached lookup)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "is_supervisor": policies.is_supervisor(user),
        "may_see_roster": policies.may_see_roster(user),
        "may_keep_calendar": policies.may_keep_calendar(user),
    }


def home(request: HttpRequest) -> HttpResponse:
    """The supervisor's home is the dashboard; everyone else's the case queue."""
    if request.user.is_authenticated and policies.is_supervisor(request.user) and not request.GET:
        return redirect("supervision_dashboard")
    if request.user.is_authenticated and advisers.own_adviser(request.user) is not None:
        return redirect("adviser_page")
    # case_list's login_required sends a visitor to sign in before its body runs
    return case_list(cast(AuthedRequest, request))


def _supervisor_or_403(request: HttpRequest) -> HttpResponse | None:
    if not policies.may_supervise(request.user):
        return render(
            request, "error.html", {"message": _("只有司法局监督管理人员可以查看")}, status=403
        )
    return None


class PeriodForm(forms.Form):
    """The dashboard's filters; the same names as the API (`from`, `to`, network, region)."""

    network = forms.ChoiceField(
        label=gettext_lazy("调解类型"), required=False, choices=[*BLANK, *Network.choices]
    )
    region = forms.ChoiceField(label=gettext_lazy("乡镇（街道）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = cast(forms.ChoiceField, self.fields["region"])
        region_field.choices = [
            *BLANK,
            *((r, r) for r in supervision.known_regions()),
        ]


def _filters(
    request: HttpRequest,
) -> tuple[supervision.Filters, PeriodForm, dict[str, list[str]] | None]:
    """(filters, form, errors): errors are the API's 400 reasons shown on the page."""
    form = PeriodForm(request.GET or None)
    try:
        return supervision.parse_filters(request.GET), form, None
    except InvalidFields as exc:
        return supervision.Filters(), form, exc.errors


def _figure(label: str, value: float | None, *, fid: str = "", fmt: str = "n") -> dict[str, object]:
    if value is None:
        text = _("无数据")
    elif fmt == "pct":
        text = f"{value * 100:.1f}%"
    else:
        text = str(value)
    return {"id": fid, "label": label, "value": text, "missing": value is None}


def _subsidy_figure(today: dt.date) -> dict[str, object]:
    """Last month's 以案定补 total, and how much of it the bureau has approved."""
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    t = subsidies.month_total(last)
    label = _("%(m)s以案定补（元）") % {"m": t["month"]}
    value = _("%(t)s（已审核 %(a)s）") % {"t": t["total"], "a": t["approved"]}
    return {"id": "fig-subsidy", "label": label, "value": value, "missing": False}


def _indicators(today: dt.date) -> list[dict[str, Any]]:
    """The plan's targets of the year with their figure and a small trend chart each."""
    rows = indicators.indicator_rows(today.year, today=today)
    for r in rows:
        points = [
            {"label": p["month"], "key": p["month"], "count": float(p["value"] or 0)}
            for p in r["trend"]
        ]
        r["svg"] = charts.vbar(r["name"], points, chart_id=f"indicator-{r['id']}", height=120)
    return rows


@login_required
@reads_statistics
def dashboard(request: AuthedRequest) -> HttpResponse:
    denied = _supervisor_or_403(request)
    if denied:
        return denied
    filters, form, errors = _filters(request)
    now = timezone.now()
    data = supervision.summary(request.user, filters, now)
    figures = [
        _figure(_("纠纷总数（件）"), data["total"], fid="fig-total"),
        _figure(_("调解成功率（成功÷结束）"), data["success_rate"], fmt="pct", fid="fig-success"),
        _figure(_("司法确认率"), data["confirmation_rate"], fmt="pct", fid="fig-confirm"),
        _figure(_("协议履行率（回访）"), data["performance_rate"], fmt="pct", fid="fig-perform"),
        _figure(_("涉及金额（元）"), data["amount_total"], fid="fig-amount"),
        _figure(_("平均结案天数"), data["avg_days_to_close"], fid="fig-days"),
        _figure(_("当前超期（件）"), data["overdue"], fid="fig-overdue"),
        _figure(_("未结高风险（件）"), data["high_risk"], fid="fig-high-risk"),
        _figure(_("优先群体占比"), data["priority_share"], fmt="pct", fid="fig-priority"),
        _figure(_("信访反馈按期率"), data["petition_feedback_rate"], fmt="pct", fid="fig-petition"),
        _figure(
            _("本月未开展排查的调解委员会"),
            prevention.committees_without_screening(timezone.localdate()).count(),
            fid="fig-unscreened",
        ),
        _subsidy_figure(timezone.localdate()),
    ]
    chart_svgs = [
        (
            _("按调解类型"),
            charts.hbar(_("按调解类型"), data["by_network"], chart_id="chart-network"),
        ),
        (
            _("按来源渠道"),
            charts.hbar(_("按来源渠道"), data["by_channel"], chart_id="chart-channel"),
        ),
        (
            _("按纠纷类型"),
            charts.hbar(_("按纠纷类型"), data["by_category"], chart_id="chart-category"),
        ),
        (
            _("按乡镇（街道）"),
            charts.hbar(_("按乡镇（街道）"), data["by_region"], chart_id="chart-region"),
        ),
    ]
    chart_svgs.append(
        (
            _("法律咨询（按咨询类别）"),
            charts.hbar(
                _("法律咨询（按咨询类别）"),
                prevention.consultation_counts(filters.start, filters.end),
                chart_id="chart-consultations",
            ),
        )
    )
    month_svg = charts.vbar(_("按月份"), data["by_month"], chart_id="chart-month")
    query = request.GET.urlencode() if not errors else ""
    return render(
        request,
        "supervision/dashboard.html",
        {
            "form": form,
            "errors": errors,
            "filters": filters,
            "data": data,
            "figures": figures,
            "indicators": _indicators(timezone.localdate()),
            "coverage": advisers.coverage(),
            "adviser_counts": advisers.service_counts(timezone.localdate().year)["kinds"],
            "charts": chart_svgs,
            "month_svg": month_svg,
            "high_risk": supervision.high_risk_cases(request.user, filters),
            "query": query,
            "case_query": _case_query(filters),
            "month": timezone.localdate().strftime("%Y-%m"),
            # a year the official calendar does not know counts weekends only (clocks)
            "calendar_warnings": clocks.calendar_warnings(now),
            "replica": replica_note(),
            "nav": "supervision",
        },
        status=400 if errors else 200,
    )


def replica_note() -> dict[str, object] | None:
    """Where the figures were read, when a replica is configured (config.replica)."""
    if not replica.configured():
        return None
    state = replica.status()
    lag = None if state.lag is None else round(state.lag, 1)
    if replica.reading_from() == "replica":
        text = _("统计数据读自只读副本，比主库延迟 %(lag)s 秒。") % {"lag": lag}
    elif state.reason == "lag":
        text = _("只读副本延迟 %(lag)s 秒，超过 %(max)s 秒的上限，本页统计改从主库读取。") % {
            "lag": lag,
            "max": settings.REPLICA_MAX_LAG,
        }
    else:
        text = _("只读副本无法连接，本页统计改从主库读取。")
    return {"text": text, "fallback": bool(state.reason), "lag": lag}


def _case_query(filters: supervision.Filters) -> str:
    """The dashboard's filters in the case list's names, for the case workbook link."""
    f = filters.as_dict()
    pairs = {
        "created_after": f["from"],
        "created_before": f["to"],
        "network": f["network"],
        "region": f["region"],
    }
    return urlencode({k: v for k, v in pairs.items() if v})


@login_required
@reads_statistics
def live_figures(request: AuthedRequest) -> HttpResponse:
    """The figures the dashboard's script refreshes when an event arrives."""
    if not policies.may_supervise(request.user):
        return JsonResponse({"detail": _("无权查看")}, status=403)
    try:
        filters = supervision.parse_filters(request.GET)
    except InvalidFields as exc:
        return JsonResponse({"detail": exc.detail, "errors": exc.errors}, status=400)
    return JsonResponse(supervision.live_figures(request.user, filters))


@login_required
@reads_statistics
def ministry(request: AuthedRequest) -> HttpResponse:
    denied = _supervisor_or_403(request)
    if denied:
        return denied
    filters, form, errors = _filters(request)
    table = supervision.ministry_table(request.user, filters)
    cols = supervision.columns()
    rows = None
    if table["rows"] is not None:
        rows = [[r["label"], *(r[k] for k, _l in cols)] for r in table["rows"]]
        rows.append([_("合计"), *(table["total"][k] for k, _l in cols)])
    return render(
        request,
        "supervision/ministry.html",
        {
            "form": form,
            "errors": errors,
            "columns": [label for _k, label in cols],
            "rows": rows,
            "screening": table["screening"],
            "query": request.GET.urlencode() if not errors else "",
            # the last month that has ended: the monthly PDF carries the whole report
            "month": f"{timezone.localdate().replace(day=1) - dt.timedelta(days=1):%Y-%m}",
            "nav": "supervision",
        },
        status=400 if errors else 200,
    )


# -- roster ------------------------------------------------------------------------------


class RosterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("姓名"), required=False, max_length=50)
    specialty = forms.ChoiceField(
        label=gettext_lazy("专长"), required=False, choices=[*BLANK, *Category.choices]
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("类别"), required=False, choices=[*BLANK, *MediatorKind.choices]
    )
    region = forms.ChoiceField(label=gettext_lazy("乡镇（街道）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = cast(forms.ChoiceField, self.fields["region"])
        region_field.choices = [
            *BLANK,
            *((r, r) for r in supervision.known_regions()),
        ]


@login_required
def mediator_roster(request: AuthedRequest) -> HttpResponse:
    if not policies.may_see_roster(request.user):
        return render(request, "error.html", {"message": _("您无权查看调解员名册")}, status=403)
    form = RosterForm(request.GET or None)
    f = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = roster.roster(
        request.user,
        q=(f.get("q") or "").strip(),
        specialty=f.get("specialty") or "",
        kind=f.get("kind") or "",
        region=f.get("region") or "",
    ).order_by("load", "pk")[:500]
    rows = [roster.mediator_json(u) for u in qs]
    return render(
        request,
        "supervision/roster.html",
        {"form": form, "rows": rows, "nav": "roster"},
        status=400 if form.is_bound and form.errors else 200,
    )


# -- complaints --------------------------------------------------------------------------


@login_required
def complaint_list(request: AuthedRequest) -> HttpResponse:
    if not policies.may_see_complaints(request.user):
        return render(request, "error.html", {"message": _("您无权查看投诉")}, status=403)
    state = request.GET.get("state", "")
    qs = policies.visible_complaints(request.user).select_related("org", "mediator", "case")
    if state in ComplaintState.values:
        qs = qs.filter(state=state)
    rows = [complaint_json(c, request.user) for c in qs[:200]]
    return render(
        request,
        "supervision/complaints.html",
        {
            "rows": rows,
            "state": state,
            "states": ComplaintState.choices,
            "nav": "complaints",
        },
    )


def _complaint_forms(
    complaint: Complaint,
    user: User,
    data: QueryDict | None = None,
    open_name: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for name in complaints.available(complaint, user):
        form_class, label = complaints.TRANSITIONS[name]
        bound = data if name == open_name else None
        form = form_class(bound, prefix=name)
        if name == open_name and errors:
            form.is_valid()
            for key, msgs in errors.items():
                for m in msgs:
                    form.add_error(key if key in form.fields else None, m)
        out.append({"name": name, "label": label, "form": form, "open": name == open_name})
    return out


@login_required
def complaint_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    c = (
        policies.visible_complaints(request.user)
        .select_related("org", "mediator", "case")
        .filter(pk=pk)
        .first()
    )
    if c is None:
        raise Http404
    status, open_name, errs = 200, None, None
    if request.method == "POST":
        name = request.POST.get("transition", "")
        prefix = f"{name}-"
        body: dict[str, Any] = {
            k[len(prefix) :]: v for k, v in request.POST.items() if k.startswith(prefix)
        }
        if "negative_list" in body:
            body["negative_list"] = body["negative_list"] in ("on", "true")
        try:
            complaints.perform(pk, name, request.user, body)
        except InvalidFields as exc:
            status, open_name, errs = 400, name, exc.errors
            messages.error(request, exc.detail)
        except (NotPermitted, StateConflict) as exc:
            status = exc.status
            messages.error(request, exc.detail)
        except NotVisible:
            raise Http404 from None
        else:
            messages.success(request, _("已办理"))
            return redirect("supervision_complaint", pk=pk)
        c = Complaint.objects.select_related("org", "mediator", "case").get(pk=pk)
    return render(
        request,
        "supervision/complaint_detail.html",
        {
            "c": complaint_json(c, request.user),
            "forms": _complaint_forms(c, request.user, request.POST, open_name, errs),
            "nav": "complaints",
        },
        status=status,
    )


class PortalComplaintForm(forms.Form):
    org = forms.ChoiceField(label=gettext_lazy("被投诉的调解组织"))
    mediator = forms.ChoiceField(label=gettext_lazy("被投诉的调解员（可不选）"), required=False)
    case_number = forms.CharField(label=gettext_lazy("相关案号（可不填）"), required=False)
    complainant = forms.CharField(label=gettext_lazy("您的姓名"), required=False)
    contact = forms.CharField(label=gettext_lazy("联系电话"), required=False)
    facts = forms.CharField(
        label=gettext_lazy("投诉事实和理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(kind__in=MEDIATING_KINDS).order_by("kind", "id")
        org_field = cast(forms.ChoiceField, self.fields["org"])
        org_field.choices = [
            *BLANK,
            *((str(o.pk), o.name) for o in orgs),
        ]
        members = (
            Membership.objects.filter(role=Role.MEDIATOR, org__kind__in=MEDIATING_KINDS)
            .select_related("user", "org")
            .order_by("org_id", "user_id")
        )
        mediator_field = cast(forms.ChoiceField, self.fields["mediator"])
        mediator_field.choices = [
            *BLANK,
            *((str(m.user_id), f"{display_name(m.user)}（{m.org.name}）") for m in members),
        ]


@never_cache
def portal_complaint(request: HttpRequest) -> HttpResponse:
    """The public complaint form: no login, limited per address."""
    form = PortalComplaintForm(request.POST or None)
    status, done = 200, None
    if request.method == "POST":
        over = _hit(
            "complaint-ip:" + _client_ip(request),
            settings.COMPLAINT_RATE_PER_IP,
            settings.PORTAL_RATE_WINDOW_SECONDS,
        )
        if over:
            form.add_error(None, _("提交过于频繁，请稍后再试"))
            status = 429
        else:
            body = {k: request.POST.get(k, "") for k in form.fields}
            if not body["mediator"]:
                body.pop("mediator")
            try:
                done = complaints.submit(body)
            except InvalidFields as exc:
                form.is_valid()
                for key, msgs in exc.errors.items():
                    for m in msgs:
                        form.add_error(key if key in form.fields else None, m)
                status = 400
    return render(request, "portal/complaint.html", {"form": form, "done": done}, status=status)


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("安排"),
        choices=[("rest", gettext_lazy("休息（放假）")), ("work", gettext_lazy("上班（调休）"))],
    )
    note = forms.CharField(
        label=gettext_lazy("说明（节日名称、通知文号）"), max_length=100, required=False
    )
    confirm = forms.BooleanField(label=gettext_lazy("确认将法定节假日登记为上班日"), required=False)


@login_required
def calendar_page(request: AuthedRequest) -> HttpResponse:
    """The holiday arrangement of a year (DESIGN §12.1), for supervisors and the system
    administrator: statutory days, entered rows, add and delete; every change moves the
    open clocks (mediation.actions.clock_changes) and says how many cases moved."""
    if not policies.may_keep_calendar(request.user):
        return render(
            request,
            "error.html",
            {"message": _("只有司法局监督管理人员或系统管理员可以维护节假日安排")},
            status=403,
        )
    today = timezone.localdate()
    raw = request.GET.get("year") or request.POST.get("year") or ""
    year = (
        int(raw)
        if (raw.isascii() and raw.isdigit()) and clocks.FIRST_YEAR <= int(raw) <= clocks.LAST_YEAR
        else None
    )
    year = year or today.year
    form, status = CalendarDayForm(), 200
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                day = forms.DateField().clean(request.POST.get("delete"))
                moved = clock_changes.delete_holiday(request.user, day)
            else:
                form = CalendarDayForm(request.POST)
                if not form.is_valid():
                    raise InvalidFields(_("提交的内容有误"), {})
                d = form.cleaned_data
                _row, moved = clock_changes.set_holiday(
                    request.user, d["date"], d["kind"], d["note"], confirm=d["confirm"]
                )
        except InvalidFields as exc:
            status = 400
            for key, msgs in exc.errors.items():
                for m in msgs:
                    form.add_error(key if key in form.fields else None, m)
            messages.error(request, exc.detail)
        except forms.ValidationError:
            status = 400
            messages.error(request, _("日期格式应为 年-月-日"))
        else:
            messages.success(
                request, _("已保存；%(n)d 件在办案件的期限随之重算") % {"n": len(moved)}
            )
            return redirect(f"{request.path}?year={year}")
    return render(
        request,
        "supervision/calendar.html",
        {
            "cal": year_json(year),
            "years": [today.year - 1, today.year, today.year + 1, today.year + 2],
            "year": year,
            "form": form,
            "nav": "calendar",
        },
        status=status,
    )
