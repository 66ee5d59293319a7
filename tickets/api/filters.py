"""Query parameters of the ticket and contact lists, validated so a bad value is a clear 400."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.models import PRIORITY_ORDER, Category, Channel, ContactIdentity, Priority, Status, Team, Ticket
from tickets.search import search as search_tickets

ORDERINGS = ["updated_at", "created_at", "priority", "id"]


def _choice_list(value: str, allowed: list[str], what: str) -> list[str]:
    items = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise serializers.ValidationError(
            _("Unknown %(what)s: %(unknown)s. Use one or more of: %(allowed)s (comma-separated).")
            % {"what": what, "unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
        )
    return items


class TicketFilterSerializer(serializers.Serializer):
    status = serializers.CharField(
        required=False, help_text=_("One or more statuses, comma-separated: new,open,pending.")
    )
    priority = serializers.CharField(required=False, help_text=_("One or more priorities, comma-separated."))
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="slug", queryset=Category.objects.all(), required=False, help_text=_("Category slug.")
    )
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, help_text=_("Team slug.")
    )
    assignee = serializers.CharField(
        required=False, help_text=_('A user id, "me" (tickets assigned to you) or "none" (unassigned).')
    )
    tag = serializers.CharField(required=False, help_text=_("Tag name."))
    contact = serializers.IntegerField(required=False, min_value=1, help_text=_("Contact id."))
    q = serializers.CharField(
        required=False,
        help_text=_("Search subject, order number, message text, contact name and address."),
    )
    ordering = serializers.ChoiceField(
        choices=[*ORDERINGS, *[f"-{field}" for field in ORDERINGS]],
        required=False,
        default="-updated_at",
        help_text=_("Sort field; a leading '-' sorts descending. Priority sorts by urgency."),
    )

    def validate_status(self, value: str) -> list[str]:
        return _choice_list(value, list(Status.values), str(_("status")))

    def validate_priority(self, value: str) -> list[str]:
        return _choice_list(value, list(Priority.values), str(_("priority")))

    def validate_assignee(self, value: str) -> str | int:
        value = value.strip().lower()
        if value in {"me", "none"}:
            return value
        if value.isdigit():
            return int(value)
        raise serializers.ValidationError(_('Use a user id, "me" or "none".'))


def filter_tickets(qs: QuerySet[Ticket], params: dict[str, Any], *, user: Any) -> QuerySet[Ticket]:
    """Apply validated TicketFilterSerializer data to ``qs``."""
    if params.get("status"):
        qs = qs.filter(status__in=params["status"])
    if params.get("priority"):
        qs = qs.filter(priority__in=params["priority"])
    if params.get("channel"):
        qs = qs.filter(channel=params["channel"])
    if params.get("category"):
        qs = qs.filter(category=params["category"])
    if params.get("team"):
        qs = qs.filter(team=params["team"])
    if params.get("contact"):
        qs = qs.filter(contact_id=params["contact"])
    assignee = params.get("assignee")
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee is not None:
        qs = qs.filter(assignee_id=assignee)
    if params.get("tag"):
        qs = qs.filter(tags__name=params["tag"].strip().lower())
    if params.get("q"):
        qs = search_tickets(qs, params["q"])
    return _ordered(qs, params.get("ordering") or "-updated_at")


def _ordered(qs: QuerySet[Ticket], ordering: str) -> QuerySet[Ticket]:
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    if field == "priority":
        rank = Case(
            *[When(priority=value, then=Value(index)) for index, value in enumerate(PRIORITY_ORDER)],
            output_field=IntegerField(),
        )
        qs = qs.annotate(priority_rank=rank)
        field = "priority_rank"
    # The primary key breaks ties, so pages never repeat or skip a ticket.
    return qs.order_by(f"-{field}" if descending else field, "-pk" if descending else "pk")


class ContactFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, help_text=_("Search name, email, phone or user id."))
    include_merged = serializers.BooleanField(
        required=False, default=False, help_text=_("Also list contacts merged into another one.")
    )


def filter_contacts(qs: QuerySet[Any], params: dict[str, Any]) -> QuerySet[Any]:
    if not params.get("include_merged"):
        qs = qs.filter(merged_into__isnull=True)
    term = (params.get("q") or "").strip()
    if term:
        addresses = ContactIdentity.objects.filter(address__icontains=term).values("contact_id")
        qs = qs.filter(Q(name__icontains=term) | Q(pk__in=addresses))
    return qs
