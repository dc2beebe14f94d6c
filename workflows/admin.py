from django.contrib import admin

from config.admin_site import ReadOnlyAdminMixin

from .models import CaseProcess, CaseTask


@admin.register(CaseProcess)
class CaseProcessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: flows change only through workflows.services (policy, lock, events)."""

    list_display = ["id", "flow_class", "case", "status", "created", "finished"]
    list_filter = ["status"]
    search_fields = ("case__number",)
    raw_id_fields = ["case", "handoff"]


@admin.register(CaseTask)
class CaseTaskAdmin(CaseProcessAdmin):
    list_display = ["id", "kind", "case", "org", "status", "due_at", "completed_by", "finished"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["case", "org", "completed_by"]
    exclude = ("previous",)
