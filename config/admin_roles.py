"""三员分立 (等保 2.0 level 3): the system, security and audit administrators are separate
accounts in separate groups, each with its own admin pages and nothing else, all behind
two-factor login (TOTP, django-otp), and every admin action is recorded (the admin's
LogEntry, append-only for the application's database role; logins in axes' access log).

- 系统管理员 (system): organisations and memberships, user accounts' profile fields.
- 安全管理员 (security): who is active and in which role group, lockouts (axes), API
  tokens (knox) and TOTP devices.
- 审计管理员 (audit): reads the admin log, the case event trail and the login logs; changes
  nothing.

No account may be in two of the three groups. The groups and their permissions are kept in
step with ROLE_PERMISSIONS after every migrate (`ensure_groups`).
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.db.models.signals import m2m_changed
from django.http import HttpRequest
from django.utils.translation import gettext as _

from config.admin_site import ReadOnlyAdminMixin

SYSTEM, SECURITY, AUDIT = "系统管理员", "安全管理员", "审计管理员"
ADMIN_GROUPS = (SYSTEM, SECURITY, AUDIT)

ROLE_PERMISSIONS = {
    SYSTEM: [
        # the official calendar (DESIGN §12.1): a year's arrangement as Holiday rows
        "mediation.add_holiday",
        "mediation.change_holiday",
        "mediation.delete_holiday",
        "mediation.view_holiday",
        "mediation.add_organization",
        "mediation.change_organization",
        "mediation.view_organization",
        "mediation.add_membership",
        "mediation.change_membership",
        "mediation.delete_membership",
        "mediation.view_membership",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        # webhook endpoints of outside systems (DESIGN §12.3; POST /api/webhooks/)
        "mediation.add_webhook",
        "mediation.delete_webhook",
        "mediation.view_webhook",
    ],
    SECURITY: [
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "knox.view_authtoken",
        "knox.delete_authtoken",
        "otp_totp.add_totpdevice",
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
    ],
    AUDIT: [
        "admin.view_logentry",
        "mediation.view_caseevent",
        "axes.view_accesslog",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
    ],
}

# Which user fields each administrator may change on the user page.
USER_FIELDS = {
    SYSTEM: {"username", "first_name", "last_name", "email", "password"},
    SECURITY: {"is_active", "is_staff", "groups"},
}


def admin_group(user: User | AnonymousUser) -> str | None:
    names = [g.name for g in user.groups.all() if g.name in ADMIN_GROUPS]
    return names[0] if names else None


def ensure_groups(**kwargs: Any) -> None:
    for name, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted += list(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def _one_admin_group(
    sender: type[Model],
    instance: Model,
    action: str,
    pk_set: set[int] | None,
    model: type[Model],
    **kwargs: Any,
) -> None:
    """三员分立: refuse a second administrator group on one account, however it is added."""
    if action != "pre_add" or model is not Group or not isinstance(instance, get_user_model()):
        return
    adding = set(
        Group.objects.filter(pk__in=pk_set, name__in=ADMIN_GROUPS).values_list("name", flat=True)
    )
    having = set(instance.groups.filter(name__in=ADMIN_GROUPS).values_list("name", flat=True))
    if len(adding | having) > 1:
        raise ValidationError(_("三员分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任"))


class SeparatedUserAdmin(UserAdmin):
    """Each administrator edits only their own part of an account; superuser and
    permission flags are set by nobody through the admin."""

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = {f.name for f in self.model._meta.get_fields()} | {"password"}
        if request.user.is_superuser:
            return ["is_superuser", "user_permissions"]
        group = admin_group(request.user)
        mine = USER_FIELDS.get(group, set()) if group is not None else set()
        return sorted(fields - mine)

    def save_related(
        self, request: HttpRequest, form: "forms.ModelForm[User]", formsets: Any, change: bool
    ) -> None:
        groups = form.cleaned_data.get("groups")
        if groups is not None:
            names = {g.name for g in groups if g.name in ADMIN_GROUPS}
            if len(names) > 1:
                raise ValidationError(
                    _("三员分立：系统管理员、安全管理员、审计管理员不能由同一账号兼任")
                )
        super().save_related(request, form, formsets, change)


class LogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit administrator's view of every admin action."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]


def register(site: admin.AdminSite) -> None:
    m2m_changed.connect(_one_admin_group, sender=get_user_model().groups.through)
    site.unregister(get_user_model())
    site.register(get_user_model(), SeparatedUserAdmin)
    site.register(LogEntry, LogEntryAdmin)
