"""Admin for calendars (hours and custom dates inline), ordered policies with their targets, and the
read-only record of clocks, warnings and breaches."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sla.models import (
    BusinessCalendar,
    CalendarDate,
    OpeningHours,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    SlaTarget,
    SlaWarning,
    TeamCalendar,
    config_changed,
)
from sla.reconfigure import after_admin_change
from tickets.models import Channel, Contact, Priority, RequesterRole, Status


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class CalendarDateInline(admin.TabularInline):
    model = CalendarDate
    extra = 0


class RecomputesOpenTickets(admin.ModelAdmin):
    """Saving or deleting here changes SLA configuration: a new version for every process's cache (after
    the inlines and many-to-many fields were saved too), then, after commit, the open tickets it affects
    are recomputed in batches (sla.reconfigure)."""

    def scope(self, obj: Any) -> dict[str, int]:
        return {"all": 1}

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        config_changed()
        after_admin_change(self.scope(form.instance))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        after_admin_change({"all": 1})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        config_changed()
        after_admin_change({"all": 1})


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputesOpenTickets):
    list_display = ["name", "time_zone", "always_open", "observe_holidays", "cuti_bersama", "is_default"]
    inlines = [OpeningHoursInline, CalendarDateInline]

    def scope(self, obj: Any) -> dict[str, int]:
        # The default calendar stands in wherever a policy and a team have none: it may be anywhere.
        return {"all": 1} if obj.is_default else {"calendar": obj.pk}


@admin.register(TeamCalendar)
class TeamCalendarAdmin(RecomputesOpenTickets):
    list_display = ["team", "calendar"]

    def scope(self, obj: Any) -> dict[str, int]:
        return {"team": obj.team_id}


def _choices_field(label: Any, choices: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any."),
    )


class SlaPolicyForm(forms.ModelForm):
    channels = _choices_field(_("channels"), Channel.choices)
    priorities = _choices_field(_("priorities"), Priority.choices)
    requester_roles = _choices_field(_("requester roles"), RequesterRole.choices)
    contact_tiers = _choices_field(_("customer tiers"), Contact.Tier.choices)
    pause_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause the clocks"),
        choices=[(s.value, s.label) for s in (Status.PENDING, Status.ON_HOLD)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "active",
            "is_default",
            "calendar",
            "channels",
            "categories",
            "priorities",
            "requester_roles",
            "contact_tiers",
            "teams",
            "pause_statuses",
        ]


class SlaTargetInline(admin.StackedInline):
    model = SlaTarget
    fk_name = "policy"
    extra = 0
    fields = [
        ("key", "name", "kind", "position"),
        ("amount", "unit", "clock"),
        ("warn_percent", "warn_minutes_before"),
        ("start_on_hold_reason", "start_after", "start_on_help_request"),
    ]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        # A target can only follow another target of the same policy.
        field = formset.form.base_fields["start_after"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SlaTarget.objects.filter(policy=obj) if obj is not None else SlaTarget.objects.none()
        return formset


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RecomputesOpenTickets):
    form = SlaPolicyForm
    list_display = ["name", "position", "active", "is_default", "calendar"]
    list_editable = ["position", "active"]
    list_display_links = ["name"]
    ordering = ["position", "pk"]
    filter_horizontal = ["categories", "teams"]
    inlines = [SlaTargetInline]

    def scope(self, obj: Any) -> dict[str, int]:
        return {"policy": obj.pk}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the clocks and the sweeper only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket_id",
        "name",
        "cycle",
        "policy",
        "started_at",
        "due_at",
        "paused_at",
        "met_at",
        "breached_at",
    ]
    list_filter = ["kind", "target"]
    search_fields = ["=ticket__id"]
    list_select_related = ["ticket", "policy"]
    date_hierarchy = "started_at"


@admin.register(SlaWarning, SlaBreach)
class SlaRecordAdmin(ReadOnlyAdmin):
    list_display = ["ticket_id", "name", "cycle", "due_at", "created_at", "handed_over_at"]
    list_filter = ["target"]
    search_fields = ["=ticket__id"]
    date_hierarchy = "created_at"
