from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from config import db_roles


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("纠纷调解")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: these import the models, which an AppConfig module cannot do before the
        # registry is ready. Importing them registers the system checks (config.checks,
        # ops.checks), the FSM permission check (policies), the archive hook (the case
        # file PDF) and the documents' CJK font once per process, not on the first download.
        from config import checks as _security_checks  # noqa: F401
        from mediation.law import clocks
        from mediation.ops import checks as _calendar_checks  # noqa: F401

        from . import documents, policies  # noqa: F401

        documents.fonts.register()
        # The application's database role: data rights, the audit table append-only.
        post_migrate.connect(db_roles.on_post_migrate, sender=self)
        clocks.connect_signals()
