from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin_site import ReadOnlyAdminMixin
from mediation.actions import clock_changes
from mediation.law.choices import Category
from mediation.law.identity import mask_id_number, mask_phone

from .models import (
    Agreement,
    AuditEvent,
    Case,
    CaseAccess,
    CaseEvent,
    CaseParty,
    Complaint,
    FollowUp,
    Handoff,
    Holiday,
    MediationSession,
    MediatorProfile,
    Membership,
    NegativeListEntry,
    Organization,
    Party,
    TimeLimit,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_code", "kind", "network", "region", "parent"]
    list_filter = ["kind", "network", "region"]
    search_fields = ["name", "short_code"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "org__name"]
    autocomplete_fields = ["org"]


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 0
    autocomplete_fields = ["party"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgreementInline(ReadOnlyInline):
    model = Agreement


class SessionInline(ReadOnlyInline):
    model = MediationSession


class FollowUpInline(ReadOnlyInline):
    model = FollowUp


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "network",
        "org",
        "state",
        "category",
        "channel",
        "priority",
        "due_at",
        "created_at",
    ]
    list_filter = ["network", "state", "channel", "category", "priority", "region"]
    search_fields = ["number", "summary", "case_parties__party__name"]
    list_select_related = ["org"]
    # state changes go through the transition service only
    readonly_fields = [
        "number",
        "state",
        "network",
        "org",
        "registering_org",
        "tracking_token",
        "created_at",
        "accepted_at",
        "closed_at",
        "archived_at",
        "due_at",
        "mediator",
        "outcome",
        "case_file",
    ]
    exclude = ["registered_by"]
    inlines = [CasePartyInline, AgreementInline, SessionInline, FollowUpInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "masked_id", "masked_phone"]
    search_fields = ["name"]

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "org", "status", "due_at"]
    list_filter = ["kind", "status"]


@admin.register(CaseAccess)
class CaseAccessAdmin(admin.ModelAdmin):
    list_display = ["case", "org", "reason", "since"]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "case", "type", "at", "actor"]
    list_filter = ["type"]
    list_select_related = ["case", "actor"]


# -- supervision (DESIGN.md §8): the roster is maintained here; complaints and the negative
#    list change only through mediation.supervision.complaints (the pages and the API), so
#    read-only.


class MediatorProfileForm(forms.ModelForm):
    specialty_codes = forms.MultipleChoiceField(
        label=_("专长"), choices=Category.choices, required=False
    )

    class Meta:
        model = MediatorProfile
        fields = ["user", "employment", "kind", "phone", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["specialty_codes"].initial = self.instance.specialty_list

    def save(self, commit=True):
        self.instance.set_specialties(self.cleaned_data.get("specialty_codes") or [])
        return super().save(commit)


@admin.register(MediatorProfile)
class MediatorProfileAdmin(admin.ModelAdmin):
    form = MediatorProfileForm
    list_display = ["user", "employment", "kind", "specialties"]
    list_filter = ["employment", "kind"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]


class _ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnlyAdmin):
    list_display = ["id", "org", "mediator", "state", "received_at", "due_at"]
    list_filter = ["state"]


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(_ReadOnlyAdmin):
    list_display = ["mediator", "org", "conduct", "occurred_on", "until"]


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnlyAdmin):
    list_display = ["id", "type", "at", "actor"]
    list_filter = ["type"]


class RecountsClocks(admin.ModelAdmin):
    """A changed row moves every open clock with an event (clock_changes); the admin's
    change view is already one transaction."""

    recount_reason = ""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        clock_changes.recount_open_clocks(request.user, self.recount_reason)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        clock_changes.recount_open_clocks(request.user, self.recount_reason)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        clock_changes.recount_open_clocks(request.user, self.recount_reason)


@admin.register(TimeLimit)
class TimeLimitAdmin(RecountsClocks):
    """The legal time limits; model validation refuses a non-positive count or an
    empty basis. Saving clears the clocks' cache (mediation.law.clocks)."""

    list_display = ["stage", "network", "category", "count", "unit", "start", "extension", "basis"]
    list_filter = ["stage", "unit"]
    search_fields = ["basis"]
    recount_reason = "time_limit"


@admin.register(Holiday)
class HolidayAdmin(RecountsClocks):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    recount_reason = "calendar"
