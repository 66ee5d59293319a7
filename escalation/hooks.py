"""How other apps tell escalation that something happened. Each hook is one call at its call site.

sla calls sla_breached / sla_warning once per recorded breach or warning, from a task queued after the
sweeper's commit (sla.handover); tickets.actions calls ticket_changed from after_change, inside the
action's transaction, and message_sent from record_delivery when an outbound message has left.
"""

from __future__ import annotations

import datetime as dt

from escalation import actions, outcomes
from escalation.models import Trigger
from escalation.rules import matching_rule
from tickets.models import Status, Ticket


def sla_breached(*, ticket_id: int, target: str, breach_id: int) -> None:
    _on_sla(Trigger.SLA_BREACH, ticket_id, target)


def sla_warning(*, ticket_id: int, target: str, warning_id: int) -> None:
    _on_sla(Trigger.SLA_WARNING, ticket_id, target)


def _on_sla(trigger: str, ticket_id: int, target: str) -> None:
    ticket = Ticket.objects.select_related("team", "category").filter(pk=ticket_id).first()
    if ticket is None or ticket.status == Status.CLOSED or ticket.merged_into_id:
        return
    rule = matching_rule(trigger, ticket, target=target)
    if rule is not None:
        actions.escalate(ticket, reason=trigger, target=target, rule=rule)


def ticket_changed(ticket: Ticket, *, reason: str) -> None:
    """Rules that fire on the ticket itself: security categories at once, repeated reopening.

    Precondition: called inside the changing action's transaction, holding the ticket's row lock.
    """
    if actions.escalating() or ticket.status == Status.CLOSED or ticket.merged_into_id:
        return
    triggers: list[str] = []
    if ticket.category_id is not None:
        triggers.append(Trigger.SECURITY)
    if ticket.reopen_count:
        triggers.append(Trigger.REOPENED)
    for trigger in triggers:
        rule = matching_rule(trigger, ticket)
        if rule is not None:
            actions.escalate(ticket, reason=trigger, rule=rule)


def message_sent(*, message_id: int, at: dt.datetime) -> None:
    """An outbound message left: if it carried an escalation's acknowledgement or outcome, stamp it."""
    outcomes.record_sent(message_id=message_id, at=at)
