"""What the customer's status page says about escalations (the panel in escalation/_status_panel.html)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from escalation import deadlines
from escalation.models import (
    ACTIVE_STATUSES,
    CUSTOMER_REASONS,
    TOP_LEVEL,
    Escalation,
    EscalationStatus,
    Trigger,
)
from escalation.requests import dispute_help_available
from tickets.models import Status, Ticket


@dataclass
class CustomerView:
    escalations: list[Escalation] = field(default_factory=list)
    can_request: bool = False
    is_dispute: bool = False
    dispute_available: bool = False
    dispute_opens_at: dt.datetime | None = None

    @property
    def active(self) -> list[Escalation]:
        return [item for item in self.escalations if item.status in ACTIVE_STATUSES]


def customer_view(ticket: Ticket) -> CustomerView:
    """The escalations the customer asked for; the ones our rules open (SLA, security) stay internal,
    though their outcome reaches the customer like any reply."""
    escalations = list(
        Escalation.objects.filter(ticket=ticket, reason__in=CUSTOMER_REASONS)
        .exclude(status=EscalationStatus.ESCALATED)
        .order_by("created_at", "pk")
    )
    open_ticket = ticket.status != Status.CLOSED and not ticket.merged_into_id
    requests = [item for item in escalations if item.reason == Trigger.CUSTOMER_REQUEST]
    view = CustomerView(
        escalations=escalations,
        can_request=open_ticket
        and not any(item.is_active for item in requests)
        and not any(item.level >= TOP_LEVEL for item in requests),
        is_dispute=deadlines.is_dispute(ticket),
    )
    if view.is_dispute and open_ticket and not any(item.reason == Trigger.DISPUTE for item in escalations):
        opens_at = deadlines.dispute_window_end(ticket)
        view.dispute_available = dispute_help_available(ticket, at=timezone.now())
        view.dispute_opens_at = None if view.dispute_available else opens_at
    return view
