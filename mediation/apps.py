from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("纠纷调解")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the archive hook (case file PDF) with the transition service, and the
        # documents' CJK font once per process rather than on the first download.
        # Importing the checks modules registers their system checks.
        from config import checks as _security_checks  # noqa: F401
        from mediation.law import clocks
        from mediation.ops import checks as _calendar_checks  # noqa: F401

        from . import documents, policies  # noqa: F401  (policies registers the FSM permissions)

        documents.fonts.register()

        # The application's database role: data rights, the audit table append-only.
        from django.db.models.signals import post_migrate

        from config import db_roles

        post_migrate.connect(db_roles.on_post_migrate, sender=self)
        clocks.connect_signals()
