"""Asking for an escalation: the customer (status page, the link in our mail), an agent, or a dispute's
"Minta Bantuan" once the buyer–seller window is over. Each ends in escalation.actions.escalate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from escalation import deadlines, outcomes
from escalation.actions import ActionError, changing_ticket, escalate
from escalation.models import ACTIVE_STATUSES, TOP_LEVEL, Escalation, Level, Trigger
from escalation.rules import matching_rule
from tickets import access
from tickets import actions as ticket_actions
from tickets.models import Status, Ticket


def _next_request_level(ticket: Ticket, reason: str) -> int:
    """A new request goes to L1, or one level above the last one that was answered (an appeal)."""
    if Escalation.objects.filter(ticket=ticket, reason=reason, status__in=ACTIVE_STATUSES).exists():
        raise ActionError(_("This ticket is already with a supervisor; they will answer by the date shown."))
    highest = Escalation.objects.filter(ticket=ticket, reason=reason).aggregate(top=Max("level"))["top"]
    if highest is None:
        return Level.SUPERVISOR
    if highest >= TOP_LEVEL:
        raise ActionError(_("The head of support has already reviewed this ticket; their decision is final."))
    return highest + 1


def _check_can_escalate(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED or ticket.merged_into_id:
        raise ActionError(
            _("This ticket is closed; please write to us again and mention %(ref)s.")
            % {"ref": ticket.reference}
        )


@transaction.atomic
def request_by_customer(ticket: Ticket, *, text: str) -> Escalation:
    """The customer asked for a supervisor from the status page or a link in our mail."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_can_escalate(ticket)
    if not text.strip():
        raise ActionError(_("Please tell us briefly why you want a supervisor to look at this."))
    rule = matching_rule(Trigger.CUSTOMER_REQUEST, ticket)
    level = max(_next_request_level(ticket, Trigger.CUSTOMER_REQUEST), rule.level if rule else 1)
    escalation = escalate(ticket, reason=Trigger.CUSTOMER_REQUEST, level=level, rule=rule, text=text)
    if escalation is None:  # pragma: no cover - the row lock above serialises requests
        raise ActionError(_("This ticket is already with a supervisor."))
    outcomes.acknowledge_customer(escalation)
    return escalation


@transaction.atomic
def request_by_agent(ticket: Ticket, *, by: Any, text: str) -> Escalation:
    """An agent puts the ticket before a supervisor, saying why."""
    if not access.is_agent(by):
        raise ActionError(_("Only agents can escalate tickets."))
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _check_can_escalate(ticket)
    if not text.strip():
        raise ActionError(_("Say why the ticket needs a supervisor."))
    rule = matching_rule(Trigger.AGENT_REQUEST, ticket)
    level = max(_next_request_level(ticket, Trigger.AGENT_REQUEST), rule.level if rule else 1)
    escalation = escalate(ticket, reason=Trigger.AGENT_REQUEST, level=level, rule=rule, by=by, text=text)
    if escalation is None:  # pragma: no cover - the row lock above serialises requests
        raise ActionError(_("This ticket is already with a supervisor."))
    return escalation


def dispute_help_available(ticket: Ticket, *, at: dt.datetime | None = None) -> bool:
    """A dispute ticket whose buyer–seller window ran out and that mediation does not have yet."""
    return (
        deadlines.is_dispute(ticket)
        and ticket.status != Status.CLOSED
        and not ticket.merged_into_id
        and (at or timezone.now()) >= deadlines.dispute_window_end(ticket)
        and not Escalation.objects.filter(ticket=ticket, reason=Trigger.DISPUTE).exists()
    )


@transaction.atomic
def request_dispute_help(ticket: Ticket, *, text: str = "") -> Escalation:
    """ "Minta Bantuan": after the buyer–seller window, the mediation team takes the dispute."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("category").get(pk=ticket.pk)
    _check_can_escalate(ticket)
    if not deadlines.is_dispute(ticket):
        raise ActionError(_("Only disputes between buyer and seller can be mediated."))
    if timezone.now() < deadlines.dispute_window_end(ticket):
        raise ActionError(
            _("Buyer and seller have until %(date)s to agree; you can ask us for help after that.")
            % {"date": _local(deadlines.dispute_window_end(ticket))}
        )
    rule = matching_rule(Trigger.DISPUTE, ticket)
    mediation = deadlines.mediation_team()
    team = mediation or ticket.team
    escalation = escalate(ticket, reason=Trigger.DISPUTE, rule=rule, team=team, text=text)
    if escalation is None:
        raise ActionError(_("Our mediation team already has this dispute."))
    if mediation is None:  # the system check escalation.W001 says so too
        with changing_ticket():
            ticket_actions.add_note(
                ticket,
                by=None,
                text=_(
                    "There is no mediation team (no team with the slug “%(slug)s”, setting "
                    "ESCALATION_MEDIATION_TEAM), so this dispute stays with %(team)s. Create the team in "
                    "the admin, or move the ticket to the team that mediates disputes."
                )
                % {
                    "slug": settings.ESCALATION_MEDIATION_TEAM,
                    "team": team.name if team is not None else _("no team"),
                },
            )
    if team is not None and team.pk != ticket.team_id:
        with changing_ticket():
            ticket_actions.set_team(ticket, team=team, by=None)
    outcomes.acknowledge_customer(escalation)
    return escalation


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
