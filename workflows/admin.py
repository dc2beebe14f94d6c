from django.contrib import admin

from .models import CaseProcess, CaseTask


@admin.register(CaseProcess)
class CaseProcessAdmin(admin.ModelAdmin):
    """Read-only: flows change only through workflows.services (policy, lock, events)."""

    list_display = ("id", "flow_class", "case", "status", "created", "finished")
    list_filter = ("status",)
    search_fields = ("case__number",)
    raw_id_fields = ("case", "handoff")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseTask)
class CaseTaskAdmin(CaseProcessAdmin):
    list_display = ("id", "kind", "case", "org", "status", "due_at", "completed_by", "finished")
    list_filter = ("kind", "status")
    raw_id_fields = ("case", "org", "completed_by")
    exclude = ("previous",)
