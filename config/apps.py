from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import m2m_changed, pre_save


class SecureAdminConfig(AdminConfig):
    """django.contrib.admin with the TOTP-protected site (config.admin_roles)."""

    default_site = "config.admin_site.SecureAdminSite"

    def ready(self) -> None:
        super().ready()
        # lazy: the admin and admin_roles import models, which cannot load before ready().
        from django.contrib import admin
        from django.contrib.auth.models import User

        from mediation.models import Membership

        from . import admin_roles, separation, separation_admin

        admin_roles.register(admin.site)
        separation_admin.register(admin.site)
        # 三员分立 however an account changes (admin, shell, seed, code); the groups come
        # from a migration (mediation 0006), not from a post_migrate pass.
        m2m_changed.connect(separation.one_admin_group, sender=User.groups.through)
        pre_save.connect(separation.no_membership_for_admins, sender=Membership)
