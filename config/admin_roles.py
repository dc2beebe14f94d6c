"""三员分立 (等保 2.0 level 3): the system, security and audit administrators are separate
accounts in separate groups, each with its own admin pages and nothing else, all behind
two-factor login (TOTP, django-otp), and every admin action is recorded (the admin's
LogEntry, append-only for the application's database role; logins in axes' access log).

- 系统管理员 (system): accounts' profile fields, organisations, the calendar, webhooks.
- 安全管理员 (security): memberships (business roles), who is active, requests for
  administrator roles and second factors, lockouts (axes), API tokens (knox).
- 审计管理员 (audit): reads the admin log, the audit events, the case event trail and the
  login logs; changes nothing.

No account may be in two of the three groups, nor in one and hold a business role; role and
second-factor changes wait for a second administrator (config.separation). The groups and
their permissions come with the first `migrate` (mediation migration 0006, a frozen copy of
ROLE_PERMISSIONS; `ensure_groups` puts them back after a test database flush).
"""

from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.http import HttpRequest

from config.admin_site import ReadOnlyAdminMixin

SYSTEM, SECURITY, AUDIT = "系统管理员", "安全管理员", "审计管理员"
ADMIN_GROUPS = (SYSTEM, SECURITY, AUDIT)

ROLE_PERMISSIONS = {
    SYSTEM: [
        "mediation.add_holiday",
        "mediation.change_holiday",
        "mediation.delete_holiday",
        "mediation.view_holiday",
        # organisations; their members are the security administrator's (DESIGN §12.5)
        "mediation.add_organization",
        "mediation.change_organization",
        "mediation.view_organization",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        # webhook endpoints of outside systems (DESIGN §12.3; POST /api/webhooks/)
        "mediation.add_webhook",
        "mediation.delete_webhook",
        "mediation.view_webhook",
        # pending administrator changes, which a system administrator may confirm
        "mediation.view_adminchange",
    ],
    SECURITY: [
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        "mediation.add_membership",
        "mediation.change_membership",
        "mediation.delete_membership",
        "mediation.view_membership",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "knox.view_authtoken",
        "knox.delete_authtoken",
        # second factors are enrolled by their owners (config.separation), never added here
        "otp_totp.view_totpdevice",
        "mediation.view_adminchange",
    ],
    AUDIT: [
        "admin.view_logentry",
        "mediation.view_caseevent",
        "mediation.view_auditevent",
        "mediation.view_adminchange",
        "axes.view_accesslog",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
    ],
}

# Which user fields each administrator may change on the user page.
USER_FIELDS = {
    SYSTEM: {"username", "first_name", "last_name", "email", "password"},
    # Groups change only through a confirmed AdminChange (config.separation).
    SECURITY: {"is_active", "is_staff"},
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


class SeparatedUserAdmin(UserAdmin):
    """Each administrator edits only their own part of an account; superuser and
    permission flags are set by nobody through the admin."""

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        fields = {f.name for f in self.model._meta.get_fields()} | {"password"}
        if obj is not None and obj.pk == request.user.pk:
            # Nobody changes their own account here (roles, activity, second factor).
            return sorted(fields)
        if request.user.is_superuser:
            return ["groups", "is_superuser", "user_permissions"]
        group = admin_group(request.user)
        mine = USER_FIELDS.get(group, set()) if group is not None else set()
        if obj is not None and group == SECURITY and admin_group(obj) is not None:
            # An administrator is switched off only by revoking the role, which a second
            # administrator confirms (config.separation).
            mine = mine - {"is_active", "is_staff"}
        return sorted(fields - mine)


class LogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit administrator's view of every admin action."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]


def register(site: admin.AdminSite) -> None:
    site.unregister(get_user_model())
    site.register(get_user_model(), SeparatedUserAdmin)
    site.register(LogEntry, LogEntryAdmin)
