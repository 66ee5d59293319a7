"""Which SLA policy applies to a ticket: the first active policy (by position) whose conditions all match,
else the default policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from sla.models import Clock, SlaPolicy, SlaTarget
from sla.timeline import TargetSpec


def active_policies() -> list[SlaPolicy]:
    """Active policies in match order, with what matching and planning need (four queries)."""
    return list(
        SlaPolicy.objects.filter(active=True)
        .order_by("position", "pk")
        .prefetch_related(
            "categories",
            "teams",
            Prefetch(
                "targets", queryset=SlaTarget.objects.select_related("start_after").order_by("position", "pk")
            ),
        )
    )


def matches(policy: SlaPolicy, ticket: Any) -> bool:
    """Every condition is "any of"; an empty condition matches anything."""
    checks: list[tuple[Iterable[Any], Any]] = [
        (policy.channels, ticket.channel),
        (policy.priorities, ticket.priority),
        (policy.requester_roles, ticket.requester_role),
        ([c.pk for c in policy.categories.all()], ticket.category_id),
        ([t.pk for t in policy.teams.all()], ticket.team_id),
    ]
    if not all(not allowed or value in allowed for allowed, value in checks):
        return False
    return not policy.contact_tiers or ticket.contact.tier in policy.contact_tiers


def match_policy(ticket: Any, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    policies = active_policies() if policies is None else policies
    for policy in policies:
        if not policy.is_default and matches(policy, ticket):
            return policy
    return next((p for p in policies if p.is_default), None)


def target_specs(policy: SlaPolicy) -> list[TargetSpec]:
    return [
        TargetSpec(
            key=target.key,
            name=target.name,
            kind=target.kind,
            amount=target.amount,
            unit=target.unit,
            business=target.clock == Clock.BUSINESS,
            warn_percent=target.warn_percent,
            warn_minutes_before=target.warn_minutes_before,
            start_on_hold_reason=target.start_on_hold_reason,
            start_after=target.start_after.key if target.start_after is not None else None,
        )
        for target in policy.targets.all()
    ]
