"""The admin (DESIGN §12): configuration is kept here; case data is shown read-only.

A case, its parties, handoffs, access rows and records change only through the actions
(each with its event), so no one, a superuser included, adds, changes or deletes them here.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.http import HttpRequest
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
    OrganRemit,
    Party,
    TimeLimit,
)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "short_code", "kind", "network", "region", "parent"]
    list_filter = ["kind", "network", "region"]
    search_fields = ["name", "short_code"]


@admin.register(OrganRemit)
class OrganRemitAdmin(admin.ModelAdmin):
    list_display = ["subtype", "name", "categories", "basis"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "org__name"]
    autocomplete_fields = ["org"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class CasePartyInline(ReadOnlyInline):
    model = CaseParty


class AgreementInline(ReadOnlyInline):
    model = Agreement


class SessionInline(ReadOnlyInline):
    model = MediationSession


class FollowUpInline(ReadOnlyInline):
    model = FollowUp


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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
    exclude = ["registered_by"]
    inlines = [CasePartyInline, AgreementInline, SessionInline, FollowUpInline]


@admin.register(Party)
class PartyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "masked_id", "masked_phone"]
    search_fields = ["name"]

    @admin.display(description=_("公民身份号码"))
    def masked_id(self, obj: Party) -> str:
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Party) -> str:
        return mask_phone(obj.phone)


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "kind", "org", "status", "due_at"]
    list_filter = ["kind", "status"]


@admin.register(CaseAccess)
class CaseAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["specialty_codes"].initial = self.instance.specialty_list

    def save(self, commit: bool = True) -> MediatorProfile:
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

    @staticmethod
    def _user(request: HttpRequest) -> User:
        # The admin's views are for signed-in staff only (AdminSite.admin_view).
        assert isinstance(request.user, User)
        return request.user

    def save_model(
        self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        clock_changes.recount_open_clocks(self._user(request), self.recount_reason)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        clock_changes.recount_open_clocks(self._user(request), self.recount_reason)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        clock_changes.recount_open_clocks(self._user(request), self.recount_reason)


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
