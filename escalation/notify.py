"""Who hears about an escalation: in-app notifications now, mail after commit (escalation.tasks)."""

from __future__ import annotations

from typing import Any

from escalation import routing
from escalation.models import Escalation, EscalationRule, Level, Notification, Notify
from supportdesk.queue import enqueue_on_commit


def escalation_opened(
    escalation: Escalation, *, rule: EscalationRule | None, unstaffed: bool = False
) -> None:
    """The assigned supervisor (in-app and mail), the level's people if the rule says so, the ticket's agent.

    ``unstaffed``: nobody on duty could take it (routing's fallback, or nobody at all): the team's
    supervisors hear of it in-app and by mail, and the top level too while nobody has it.
    """
    assigned = escalation.assigned_to
    if assigned is not None:
        _notify(assigned, escalation, Notification.Kind.ASSIGNED, email=True)
    if unstaffed:
        people = {user.pk: user for user in routing.watchers(escalation.team)}
        if assigned is None:
            people |= {user.pk: user for user in routing.level_pool(escalation.team, Level.HEAD)}
        for user in people.values():
            if assigned is None or user.pk != assigned.pk:
                _notify(user, escalation, Notification.Kind.UNSTAFFED, email=True)
    if rule is not None and rule.notify == Notify.LEVEL:
        for user in routing.level_pool(escalation.team, escalation.level):
            if assigned is None or user.pk != assigned.pk:
                _notify(user, escalation, Notification.Kind.LEVEL, email=False)
    agent_id = escalation.ticket.assignee_id
    wants_agent = rule.notify_agent if rule is not None else True
    if wants_agent and agent_id is not None and (assigned is None or agent_id != assigned.pk):
        _notify(escalation.ticket.assignee, escalation, Notification.Kind.AGENT, email=False)


def top_level_overdue(escalation: Escalation) -> None:
    """Nobody acted on it even at the top: tell the assignee and everyone at the top level, by mail too."""
    people = {user.pk: user for user in routing.level_pool(escalation.team, Level.HEAD)}
    if escalation.assigned_to is not None:
        people[escalation.assigned_to.pk] = escalation.assigned_to
    for user in people.values():
        _notify(user, escalation, Notification.Kind.OVERDUE, email=True)


def _notify(user: Any, escalation: Escalation, kind: str, *, email: bool) -> None:
    notification, created = Notification.objects.get_or_create(
        user=user, escalation=escalation, kind=kind, defaults={"email_wanted": email}
    )
    if created and email:
        from escalation import tasks

        enqueue_on_commit(tasks.email_notification, notification.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
