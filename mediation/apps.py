from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("纠纷调解")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the archive hook (case file PDF) with the transition service, and the
        # documents' CJK font once per process rather than on the first download.
        from . import checks, clocks, documents  # noqa: F401  (checks registers itself)

        documents.fonts.register()
        clocks.connect_signals()
