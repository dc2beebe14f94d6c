from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class SecureAdminConfig(AdminConfig):
    """django.contrib.admin with the TOTP-protected site (config.admin_roles)."""

    default_site = "config.admin_site.SecureAdminSite"

    def ready(self) -> None:
        super().ready()
        # lazy: the admin and admin_roles import models, which cannot load before ready().
        from django.contrib import admin

        from . import admin_roles

        admin_roles.register(admin.site)
        post_migrate.connect(admin_roles.ensure_groups, sender=self)
