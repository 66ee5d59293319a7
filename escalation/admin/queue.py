"""The escalation admin: the supervisors' work queue and an escalation's page (read-only, with actions)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation import history
from escalation.admin import operations
from escalation.admin.filters import MineFilter, OverdueFilter, StatusFilter
from escalation.models import Escalation, EscalationLog
from escalation.permissions import can_supervise
from tickets.models import Direction

TICKET_NUMBER = re.compile(r"^\s*#?\s*(?:SD-?)?(\d{1,12})\s*$", re.IGNORECASE)


class EscalationLogInline(admin.TabularInline):
    model = EscalationLog
    fields = ["created_at", "action", "actor", "note"]
    readonly_fields = ["created_at", "action", "actor", "note"]
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("Audit log")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[EscalationLog]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = [
        "level_short",
        "reason_label",
        "ticket_reference",
        "ticket_subject",
        "customer",
        "age",
        "review_due_cell",
        "assigned_to",
        "status",
    ]
    list_display_links = ["ticket_reference"]
    list_filter = [
        MineFilter,
        "level",
        StatusFilter,
        OverdueFilter,
        ("team", admin.RelatedOnlyFieldListFilter),
        "reason",
    ]
    search_fields = ["ticket__subject", "ticket__contact__name", "ticket__contact__identities__address"]
    search_help_text = gettext_lazy("Ticket number (#SD-12), subject, customer name, email or phone.")
    ordering = ["review_due", "pk"]
    list_per_page = 50
    actions = [operations.bulk_action(name) for name in operations.OPERATIONS]
    inlines = [EscalationLogInline]
    change_list_template = "admin/escalation/escalation/change_list.html"
    change_form_template = "admin/escalation/escalation/change_form.html"
    fieldsets = [
        (
            None,
            {"fields": ["ticket_link", "level", "reason", "target", "rule", "team", "status", "assigned_to"]},
        ),
        (
            gettext_lazy("Dates"),
            {
                "fields": [
                    "created_at",
                    "review_due",
                    "acknowledged_at",
                    "evidence_due",
                    "decision_due",
                    "resolved_at",
                ]
            },
        ),
        (
            gettext_lazy("Request and outcome"),
            {"fields": ["requested_by", "request_text", "outcome", "outcome_delivery"]},
        ),
    ]
    readonly_fields = [
        "ticket_link",
        "level",
        "reason",
        "target",
        "rule",
        "team",
        "status",
        "assigned_to",
        "created_at",
        "review_due",
        "acknowledged_at",
        "evidence_due",
        "decision_due",
        "resolved_at",
        "requested_by",
        "request_text",
        "outcome",
        "outcome_delivery",
    ]

    # --- who may see and act ---------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_supervise(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_supervise(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_supervise(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # escalations come from rules and requests (escalation.actions), never from a blank form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # they are the audit trail of a promise to the customer

    # --- the queue ---------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Escalation]:
        return Escalation.objects.for_queue()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Escalation], search_term: str
    ) -> tuple[QuerySet[Escalation], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = TICKET_NUMBER.match(search_term)
        if number:
            results = results | queryset.filter(ticket_id=int(number.group(1)))
        return results, may_have_duplicates

    @admin.display(description=gettext_lazy("level"), ordering="level")
    def level_short(self, obj: Escalation) -> str:
        return f"L{obj.level}"

    @admin.display(description=gettext_lazy("reason"), ordering="reason")
    def reason_label(self, obj: Escalation) -> str:
        label = obj.get_reason_display()
        return f"{label} ({obj.target})" if obj.target else label

    @admin.display(description=gettext_lazy("ticket"), ordering="ticket_id")
    def ticket_reference(self, obj: Escalation) -> str:
        return obj.ticket.reference

    @admin.display(description=gettext_lazy("subject"))
    def ticket_subject(self, obj: Escalation) -> str:
        return obj.ticket.subject

    @admin.display(description=gettext_lazy("customer"))
    def customer(self, obj: Escalation) -> str:
        return str(obj.ticket.contact)

    @admin.display(description=gettext_lazy("age"), ordering="created_at")
    def age(self, obj: Escalation) -> str:
        return timesince(obj.created_at, timezone.now(), depth=1)

    @admin.display(description=gettext_lazy("review due"), ordering="review_due")
    def review_due_cell(self, obj: Escalation) -> str:
        when = timezone.localtime(obj.review_due).strftime("%Y-%m-%d %H:%M")
        if obj.is_overdue:
            return format_html(
                '<strong class="escalation-overdue" style="color:#ba2121">{} · {}</strong>',
                when,
                _("overdue"),
            )
        return when

    # --- an escalation's page -----------------------------------------------------------------------

    @admin.display(description=gettext_lazy("ticket"))
    def ticket_link(self, obj: Escalation) -> str:
        return format_html(
            "{} — {} ({})", obj.ticket.reference, obj.ticket.subject, obj.ticket.get_status_display()
        )

    @admin.display(description=gettext_lazy("outcome delivery"))
    def outcome_delivery(self, obj: Escalation) -> str:
        message = obj.outcome_message
        if obj.resolved_at is None:
            return "—"
        if message is None:
            return _("Not sent: the ticket was closed; kept as an internal note.")
        status = message.get_delivery_status_display()
        return f"{status} ({message.get_channel_display()})" + (
            f": {message.delivery_error}" if message.delivery_error else ""
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "act/<str:operation>/",
                self.admin_site.admin_view(self.operation_view),
                name="escalation_escalation_operation",
            )
        ]
        return own + super().get_urls()

    def operation_view(self, request: HttpRequest, operation: str) -> HttpResponse:
        return operations.operation_view(self, request, operation)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            # Nothing on this page is edited directly: every change is an audited action.
            messages.warning(request, _("Use the buttons to act on an escalation."))
            return HttpResponseRedirect(request.path)
        escalation = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if escalation is not None:
            ticket = escalation.ticket
            extra.update(
                {
                    "title": str(escalation),
                    "conversation": ticket.messages.select_related(
                        "author_user", "author_contact"
                    ).prefetch_related("attachments"),
                    "note_direction": Direction.NOTE,
                    "sla_history": history.sla_history(ticket),
                    "previous": ticket.escalations.exclude(pk=escalation.pk)
                    .select_related("assigned_to", "resolved_by")
                    .order_by("created_at", "pk"),
                    "operations": operations.OPERATIONS,
                    "can_act": escalation.is_active and self.has_change_permission(request, escalation),
                    "show_save": False,
                    "show_save_and_continue": False,
                    "show_save_and_add_another": False,
                    "show_delete_link": False,
                    "dashboard_url": reverse("escalation:dashboard"),
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = {
            "title": _("Escalations to review"),
            "dashboard_url": reverse("escalation:dashboard"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra)
