from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("跨部门衔接流程")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # lazy: modules with models and flows load only once the app registry is ready; they
        # register the in-transaction hook that starts and advances the flows, and the
        # tasks' due dates with the deadline sweep.
        from . import deadlines, services  # noqa: F401
