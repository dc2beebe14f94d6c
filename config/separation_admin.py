"""The admin's side of 三员分立 (config.separation): the separation page an assessor reads
(who holds which administrator role, with or without a second factor; the changes waiting
for confirmation, and the decided ones), the security administrator's requests and the
second administrator's confirmations; and the read-only registrations that close the
admin's back doors (groups, second factors, API tokens, login logs, the flows' rows)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import separation
from config.admin_roles import ADMIN_GROUPS
from config.admin_site import ReadOnlyAdminMixin
from mediation.admin import MembershipAdmin
from mediation.models import AdminChange, Membership


def _user(request: HttpRequest) -> User:
    # The admin's views are for signed-in staff only (AdminSite.admin_view).
    assert isinstance(request.user, User)
    return request.user


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("变更"), choices=AdminChange.Kind.choices)
    username = forms.CharField(label=gettext_lazy("账号"), max_length=150)
    role = forms.ChoiceField(
        label=gettext_lazy("管理员角色"),
        choices=[("", "—")] + [(g, g) for g in ADMIN_GROUPS],
        required=False,
    )

    def clean_username(self) -> User:
        user = User.objects.filter(username=self.cleaned_data["username"]).first()
        if user is None:
            raise ValidationError(_("没有这个账号"))
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != AdminChange.Kind.RESET_FACTOR and not data.get("role"):
            self.add_error("role", _("请选择管理员角色"))
        return data


def _may_read(user: User) -> bool:
    return user.is_superuser or bool(separation.roles_of(user))


def separation_page(
    site: admin.AdminSite, request: HttpRequest, form: RequestForm | None = None, link: str = ""
) -> HttpResponse:
    me = _user(request)
    if not _may_read(me):
        raise PermissionDenied
    holders = []
    for name in ADMIN_GROUPS:
        users = User.objects.filter(groups__name=name).order_by("username")
        holders.append(
            (
                name,
                [(u, TOTPDevice.objects.filter(user=u, confirmed=True).exists()) for u in users],
            )
        )
    changes = AdminChange.objects.select_related("target", "requested_by", "decided_by")
    pending = [(c, separation.may_confirm(me, c)) for c in changes.filter(state="pending")]
    context = {
        **site.each_context(request),
        "title": _("三员分立"),
        "holders": holders,
        "pending": pending,
        "decided": changes.exclude(state="pending")[:50],
        "superusers": User.objects.filter(is_superuser=True, is_active=True),
        "form": form or RequestForm(),
        "may_request": separation.may_request(me),
        "link": link,
    }
    return TemplateResponse(request, "admin/separation.html", context)


def _enrol_link(request: HttpRequest, token: str | None) -> str:
    return request.build_absolute_uri(f"/account/second-factor/{token}/") if token else ""


def request_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("admin:separation")
    me = _user(request)
    form = RequestForm(request.POST)
    if not form.is_valid():
        return separation_page(site, request, form)
    data = form.cleaned_data
    try:
        change = separation.request_change(me, data["kind"], data["username"], data["role"])
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return separation_page(site, request, form)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return separation_page(site, request, form)
    link = ""
    if me.is_superuser:
        # Installation: the superuser's request takes effect at once (until sealed).
        link = _enrol_link(request, separation.confirm_change_as_installer(me, change))
    messages.success(
        request,
        _("已提交，等待另一名管理员确认") if not me.is_superuser else _("已生效（安装阶段）"),
    )
    return separation_page(site, request, link=link)


def decide_view(
    site: admin.AdminSite, request: HttpRequest, pk: int, confirm: bool
) -> HttpResponse:
    if request.method != "POST":
        return redirect("admin:separation")
    me = _user(request)
    change = get_object_or_404(AdminChange, pk=pk)
    link = ""
    try:
        if confirm:
            link = _enrol_link(request, separation.confirm_change(me, change))
        else:
            separation.reject_change(me, change)
    except separation.ChangeConflict:
        change.refresh_from_db()
        response = separation_page(site, request)
        response.status_code = 409
        messages.error(
            request, _("该变更已处理：%(state)s") % {"state": change.get_state_display()}
        )
        return response
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return separation_page(site, request)
    messages.success(request, _("已确认，变更生效") if confirm else _("已驳回"))
    return separation_page(site, request, link=link)


def urls(site: admin.AdminSite) -> list[URLPattern]:
    def wrap(view: Any, **kw: Any) -> Any:
        return site.admin_view(lambda request, **more: view(site, request, **kw, **more))

    return [
        path("separation/", wrap(separation_page), name="separation"),
        path("separation/request/", wrap(request_view), name="separation_request"),
        path(
            "separation/<int:pk>/confirm/",
            wrap(decide_view, confirm=True),
            name="separation_confirm",
        ),
        path(
            "separation/<int:pk>/reject/",
            wrap(decide_view, confirm=False),
            name="separation_reject",
        ),
    ]


# -- read-only registrations: the back doors closed ----------------------------------------


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "org", "role"]

    actor: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user = data.get("user")
        if isinstance(user, User):
            try:
                separation.refuse_membership(user, self.actor)
            except ValidationError as exc:
                self.add_error("user", exc)
        return data


class SeparatedMembershipAdmin(MembershipAdmin):
    """Business roles: never for an administrator, never one's own (三员分立)."""

    form = MembershipForm

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form checks "not one's own": it needs to know who is asking.
        return type(form.__name__, (form,), {"actor": _user(request)})

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Membership) and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if isinstance(obj, Membership) and obj.user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)


class ViewOnly(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


class RevokeOnly(admin.ModelAdmin):
    """Rows one may delete (revoke, unlock) but never add or edit here."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _replace(
    site: admin.AdminSite, model: type[Model], base: type[admin.ModelAdmin], mixin: type
) -> None:
    """Keep the library's list display and filters, take away what the mixin forbids."""
    site.unregister(model)
    site.register(model, type(f"Separated{base.__name__}", (mixin, base), {}))


class AdminChangeAdmin(ViewOnly):
    """The audit administrator's list of every requested change and who decided it."""

    list_display = ["id", "kind", "target", "role", "state", "requested_by", "requested_at"]
    list_filter = ["kind", "state"]
    list_select_related = ["target", "requested_by"]


def register(site: admin.AdminSite) -> None:
    # lazy: third-party admin classes, imported once the admin has autodiscovered them
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from knox.models import AuthToken
    from viewflow.workflow.models import Process, Task

    site.unregister(Membership)
    site.register(Membership, SeparatedMembershipAdmin)
    site.register(AdminChange, AdminChangeAdmin)
    # Groups' permissions come from the migration; second factors from their owners; API
    # tokens from a sign-in; login logs and the flows' rows only from what happened.
    for model in (Group, TOTPDevice, AccessLog, AccessFailureLog, Process, Task):
        _replace(site, model, type(site._registry[model]), ReadOnlyAdminMixin)
    for model in (AuthToken, AccessAttempt):
        _replace(site, model, type(site._registry[model]), RevokeOnly)
