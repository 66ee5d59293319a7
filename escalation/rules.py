"""Which escalation rule applies: the first active rule, in admin order, whose conditions match."""

from __future__ import annotations

from django.db.models import Q

from escalation.models import EscalationRule, Trigger
from tickets.models import Ticket


def matching_rule(trigger: str, ticket: Ticket, *, target: str = "") -> EscalationRule | None:
    rules = (
        EscalationRule.objects.filter(active=True, trigger=trigger)
        .filter(Q(team__isnull=True) | Q(team_id=ticket.team_id))
        .prefetch_related("categories")
        .order_by("position", "pk")
    )
    for rule in rules:
        if _matches(rule, ticket, target):
            return rule
    return None


def _matches(rule: EscalationRule, ticket: Ticket, target: str) -> bool:
    if rule.trigger in (Trigger.SLA_BREACH, Trigger.SLA_WARNING):
        return not rule.sla_target or rule.sla_target == target
    if rule.trigger == Trigger.REOPENED:
        return ticket.reopen_count >= rule.reopen_threshold
    if rule.trigger == Trigger.SECURITY:
        if ticket.category_id is None:
            return False
        chosen = {category.pk for category in rule.categories.all()}
        if chosen:
            return ticket.category_id in chosen
        return ticket.category is not None and ticket.category.is_security
    return True
