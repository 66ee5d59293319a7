"""Every change to an escalation happens here: rules, customer and agent requests, the sweeper and the admin.

Each action locks what it changes, writes an EscalationLog row and a TicketEvent (kind "escalation"),
changes the ticket only through tickets.actions, and queues mail after commit. Callers handle
ActionError (from tickets.actions), whose message is written for the person who asked.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from escalation import deadlines, notify, outcomes, permissions, routing
from escalation.models import (
    CUSTOMER_REASONS,
    TOP_LEVEL,
    Escalation,
    EscalationLog,
    EscalationRule,
    EscalationStatus,
    Level,
    Trigger,
)
from tickets import access
from tickets import actions as ticket_actions
from tickets.actions import ActionError
from tickets.models import PRIORITY_ORDER, Status, Team, Ticket, TicketEvent
from tickets.redaction import redact

__all__ = ["ActionError", "escalate"]

REQUEST_TEXT_LIMIT = 2000
OUTCOME_TEXT_LIMIT = 10_000
# Set while an escalation changes its ticket, so the ticket-change hook does not evaluate rules again.
_escalating: contextvars.ContextVar[bool] = contextvars.ContextVar("escalating", default=False)


def escalating() -> bool:
    return _escalating.get()


@contextmanager
def changing_ticket() -> Iterator[None]:
    token = _escalating.set(True)
    try:
        yield
    finally:
        _escalating.reset(token)


# --- Opening escalations ----------------------------------------------------------------------------


@transaction.atomic
def escalate(
    ticket: Ticket,
    *,
    reason: str,
    target: str = "",
    level: int | None = None,
    rule: EscalationRule | None = None,
    by: Any | None = None,
    text: str = "",
    team: Team | None = None,
    parent: Escalation | None = None,
) -> Escalation | None:
    """Put ``ticket`` before a supervisor for ``reason``; None when this reason already reached that level.

    The level is ``level``, else the rule's, else L1; routing moves it up when nobody serves that level
    for the team. A reason (with its target) escalates once per level: a second call, also a concurrent
    one, is refused by the unique constraint and returns None.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    wanted = level or (rule.level if rule else Level.SUPERVISOR)
    if wanted > TOP_LEVEL:
        return None
    already = Escalation.objects.filter(ticket=ticket, reason=reason, target=target, level__gte=wanted)
    if parent is None and already.exists():
        return None
    team = team if team is not None else ticket.team
    now = timezone.now()
    route = routing.route(team, wanted, at=now)
    working_days = rule.review_working_days if rule else None
    escalation = Escalation(
        ticket=ticket,
        level=route.level,
        reason=reason,
        target=target,
        rule=rule,
        parent=parent,
        team=team,
        assigned_to=route.supervisor,
        assigned_at=now if route.supervisor else None,
        requested_by=by,
        request_text=redact(text.strip()[:REQUEST_TEXT_LIMIT]).text if text.strip() else "",
        created_at=now,
        review_due=deadlines.review_due(team, now, working_days=working_days),
    )
    if reason == Trigger.DISPUTE:
        escalation.evidence_due, escalation.decision_due = deadlines.dispute_deadlines(ticket, now)
    try:
        with transaction.atomic():
            escalation.save(force_insert=True)
    except IntegrityError:
        return None  # the same reason reached this level already (a concurrent call got there first)
    skipped = ", ".join(f"L{item}" for item in route.skipped)
    _log(escalation, EscalationLog.Action.CREATED, by, note=escalation.request_text, at=now)
    _log(
        escalation,
        EscalationLog.Action.ROUTED,
        None,
        note=_("To %(who)s at L%(level)s.") % {"who": _name(route.supervisor), "level": route.level}
        + (" " + _("Nobody available at %(levels)s.") % {"levels": skipped} if skipped else "")
        + (" " + _("Nobody on duty: the team is told.") if route.fallback else ""),
        at=now,
    )
    _ticket_event(escalation, "created", by, extra={"reason": reason, "target": target}, at=now)
    with changing_ticket():
        if rule is not None and rule.reassign and route.supervisor is not None:
            ticket_actions.assign(ticket, agent=route.supervisor, by=by)
        if rule is not None and rule.raise_priority and _lower(ticket.priority, rule.raise_priority):
            ticket_actions.set_priority(ticket, priority=rule.raise_priority, by=by)
    notify.escalation_opened(escalation, rule=rule, unstaffed=route.fallback)
    return escalation


def _lower(current: str, wanted: str) -> bool:
    return PRIORITY_ORDER.index(current) < PRIORITY_ORDER.index(wanted)  # type: ignore[arg-type]


# --- Supervisors' actions ---------------------------------------------------------------------------


def _locked(escalation: Escalation) -> Escalation:
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("ticket", "team", "rule")
        .get(pk=escalation.pk)
    )


def _check_supervisor(user: Any) -> None:
    if not permissions.can_supervise(user):
        raise ActionError(_("Only supervisors, managers and the head of support handle escalations."))


def _check_active(escalation: Escalation) -> None:
    if not escalation.is_active:
        raise ActionError(
            _("%(escalation)s is already %(status)s.")
            % {"escalation": escalation, "status": escalation.get_status_display().lower()}
        )


def _mark_acknowledged(escalation: Escalation, by: Any, now: dt.datetime) -> list[str]:
    if escalation.status != EscalationStatus.OPEN:
        return []
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at = now
    fields = ["status", "acknowledged_at"]
    if escalation.assigned_to_id is None:
        escalation.assigned_to, escalation.assigned_at = by, now
        fields += ["assigned_to", "assigned_at"]
    return fields


@transaction.atomic
def acknowledge(escalation: Escalation, *, by: Any) -> Escalation:
    """The supervisor has seen it: the case stops climbing on its own (it stays in the overdue lists)."""
    _check_supervisor(by)
    escalation = _locked(escalation)
    if escalation.status != EscalationStatus.OPEN:
        raise ActionError(
            _("%(escalation)s was already acknowledged or closed.") % {"escalation": escalation}
        )
    now = timezone.now()
    escalation.save(update_fields=_mark_acknowledged(escalation, by, now))
    _log(escalation, EscalationLog.Action.ACKNOWLEDGED, by, at=now)
    _ticket_event(escalation, "acknowledged", by, at=now)
    return escalation


@transaction.atomic
def take_over(escalation: Escalation, *, by: Any) -> Escalation:
    """The supervisor handles the escalation and the ticket personally."""
    _check_supervisor(by)
    escalation = _locked(escalation)
    _check_active(escalation)
    if not access.is_agent(by):
        raise ActionError(
            _(
                "Your account has no agent profile, so the ticket cannot be assigned to you. Acknowledge "
                "the escalation or reassign the ticket instead, or give your account an agent profile."
            )
        )
    now = timezone.now()
    fields = _mark_acknowledged(escalation, by, now)
    escalation.assigned_to, escalation.assigned_at = by, now
    escalation.save(update_fields=sorted({*fields, "assigned_to", "assigned_at"}))
    with changing_ticket():
        ticket_actions.assign(escalation.ticket, agent=by, by=by)
    _log(escalation, EscalationLog.Action.TAKEN_OVER, by, at=now)
    _ticket_event(escalation, "taken_over", by, at=now)
    return escalation


@transaction.atomic
def reassign_ticket(escalation: Escalation, *, agent: Any, by: Any) -> Escalation:
    """Give the ticket to another agent; the supervisor keeps the escalation."""
    _check_supervisor(by)
    escalation = _locked(escalation)
    _check_active(escalation)
    if not access.is_agent(agent):
        raise ActionError(_("%(user)s is not an active agent.") % {"user": agent})
    now = timezone.now()
    fields = _mark_acknowledged(escalation, by, now)
    if fields:
        escalation.save(update_fields=fields)
    with changing_ticket():
        ticket_actions.assign(escalation.ticket, agent=agent, by=by)
    _log(escalation, EscalationLog.Action.REASSIGNED, by, note=_name(agent), at=now)
    _ticket_event(escalation, "reassigned", by, extra={"agent": agent.get_username()}, at=now)
    return escalation


@transaction.atomic
def escalate_further(escalation: Escalation, *, by: Any | None, note: str = "") -> Escalation:
    """Hand the case to the next level (a person's decision, or the sweeper's when the review is overdue)."""
    if by is not None:
        _check_supervisor(by)
    escalation = _locked(escalation)
    _check_active(escalation)
    if by is None and not _ticket_open(escalation.ticket):
        raise ActionError(_("The ticket is closed: the escalation no longer climbs by itself."))
    if escalation.level >= TOP_LEVEL:
        raise ActionError(_("The head of support is the last level; resolve the escalation with an outcome."))
    now = timezone.now()
    escalation.status = EscalationStatus.ESCALATED
    escalation.save(update_fields=["status"])
    child = escalate(
        escalation.ticket,
        reason=escalation.reason,
        target=escalation.target,
        level=escalation.level + 1,
        rule=escalation.rule,
        by=by,
        text=note or escalation.request_text,
        team=escalation.team,
        parent=escalation,
    )
    if child is None:  # the reason reached the next level on another path
        child = (
            Escalation.objects.filter(
                ticket=escalation.ticket,
                reason=escalation.reason,
                target=escalation.target,
                level__gt=escalation.level,
            )
            .order_by("level")
            .first()
        )
    note = note.strip() or (_("Review overdue.") if by is None else "")
    _log(escalation, EscalationLog.Action.ESCALATED, by, note=note, at=now)
    assert child is not None
    return child


@transaction.atomic
def resolve(escalation: Escalation, *, by: Any, outcome: str, resolve_ticket: bool = False) -> Escalation:
    """Close the escalation with a written outcome for the customer (escalation.outcomes.deliver).

    It goes by email wherever the customer has an address, on the ticket's channel when that channel
    takes it now, and is kept on the ticket as a note when neither can reach the customer; the resolve
    itself never fails for that (outcomes.supervisor_notice says what the supervisor must do then).
    """
    _check_supervisor(by)
    escalation = _locked(escalation)
    _check_active(escalation)
    outcome = outcome.strip()
    if not outcome:
        raise ActionError(_("Write the outcome the customer will receive."))
    if len(outcome) > OUTCOME_TEXT_LIMIT:
        raise ActionError(
            _("The outcome is too long (at most %(limit)s characters).") % {"limit": OUTCOME_TEXT_LIMIT}
        )
    now = timezone.now()
    ticket = escalation.ticket
    while ticket.merged_into_id:
        ticket = Ticket.objects.select_related("contact").get(pk=ticket.merged_into_id)
    with changing_ticket():
        fields = outcomes.deliver(escalation, ticket, by=by, outcome=outcome, resolve_ticket=resolve_ticket)
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at, escalation.resolved_by = now, by
    escalation.outcome = outcome
    fields += ["status", "resolved_at", "resolved_by", "outcome"]
    if escalation.acknowledged_at is None:
        escalation.acknowledged_at = now
        fields.append("acknowledged_at")
    escalation.save(update_fields=fields)
    _log(escalation, EscalationLog.Action.RESOLVED, by, note=outcome, at=now)
    extra = {
        "sent": escalation.outcome_message_id is not None,
        "emailed": escalation.outcome_email_id is not None,
    }
    _ticket_event(escalation, "resolved", by, extra=extra, at=now)
    return escalation


# --- The sweeper's step ---------------------------------------------------------------------------------


def handle_overdue(escalation_id: int, *, now: dt.datetime) -> bool:
    """Take one overdue, unacknowledged escalation a level up (or flag it at the top). False: not ours.

    Call inside a transaction. The conditional UPDATE is the claim: of two sweepers that picked the same
    row, exactly one changes it.
    """
    claimed = Escalation.objects.filter(
        pk=escalation_id,
        status=EscalationStatus.OPEN,
        overdue_handled_at__isnull=True,
        review_due__lte=now,
    ).update(overdue_handled_at=now)
    if not claimed:
        return False  # another sweeper got there first, or someone acted on it meanwhile
    escalation = Escalation.objects.select_related("ticket", "team", "rule").get(pk=escalation_id)
    if not _ticket_open(escalation.ticket):
        return False  # closed meanwhile: it stops climbing (the claim keeps it from coming back)
    if escalation.level < TOP_LEVEL:
        escalate_further(escalation, by=None)
    else:
        _log(escalation, EscalationLog.Action.OVERDUE, None, at=now)
        _ticket_event(escalation, "overdue", None, at=now)
        notify.top_level_overdue(escalation)
    return True


@transaction.atomic
def close_with_ticket(escalation_id: int, *, now: dt.datetime) -> bool:
    """Close one of our own escalations whose ticket was closed or merged: nothing is left to review and
    the customer is owed nothing (they did not ask). False: someone acted on it meanwhile."""
    escalation = _locked(Escalation(pk=escalation_id))
    if not escalation.is_active or _ticket_open(escalation.ticket) or escalation.reason in CUSTOMER_REASONS:
        return False
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at = now
    escalation.save(update_fields=["status", "resolved_at"])
    ticket = escalation.ticket
    note = (
        _("Ticket merged into %(reference)s.") % {"reference": f"#SD-{ticket.merged_into_id}"}
        if ticket.merged_into_id
        else _("Ticket closed: nothing left to review.")
    )
    _log(escalation, EscalationLog.Action.CLOSED, None, note=note, at=now)
    _ticket_event(escalation, "closed", None, at=now)
    return True


def _ticket_open(ticket: Ticket) -> bool:
    return ticket.status != Status.CLOSED and not ticket.merged_into_id


# --- Internals ----------------------------------------------------------------------------------------------


def _log(escalation: Escalation, action: str, actor: Any | None, *, note: str = "", at: dt.datetime) -> None:
    EscalationLog.objects.create(
        escalation=escalation,
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        note=note,
        created_at=at,
    )


def _ticket_event(
    escalation: Escalation,
    action: str,
    actor: Any | None,
    *,
    extra: dict[str, Any] | None = None,
    at: dt.datetime,
) -> None:
    after = {
        "action": action,
        "escalation": escalation.pk,
        "level": escalation.level,
        "supervisor": escalation.assigned_to.get_username() if escalation.assigned_to else None,
        **(extra or {}),
    }
    ticket_actions.record_event(
        escalation.ticket, TicketEvent.Kind.ESCALATION, actor=actor, after=after, at=at
    )


def _name(user: Any | None) -> str:
    if user is None:
        return _("nobody (unassigned)")
    return user.get_full_name() or user.get_username()


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
