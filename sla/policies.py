"""Which SLA policies apply to a ticket, target kind by target kind.

For each kind of target (customer wait, first response, next response, resolution) the first active
policy by position that matches the ticket *and* has targets of that kind supplies them; the default
policy comes last. So a refund email gets its resolution deadline from "Complex reports" and its first
response from "Email", and each clock remembers the policy it came from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sla.models import Clock, SlaPolicy, SlaTarget, TargetKind
from sla.timeline import TargetSpec

# The order kinds are chosen in; one policy supplies all targets of a kind.
KINDS = (TargetKind.WAIT, TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE, TargetKind.RESOLUTION)


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


def select_targets(ticket: Any, policies: list[SlaPolicy]) -> list[tuple[SlaPolicy, SlaTarget]]:
    """(policy, target) for every target that applies to ``ticket``, in policy order then target order.

    ``policies``: the active policies in match order with categories, teams and targets prefetched
    (sla.config.current().policies).
    """
    candidates = [p for p in policies if not p.is_default and matches(p, ticket)]
    candidates += [p for p in policies if p.is_default]
    chosen: dict[str, SlaPolicy] = {}
    for kind in KINDS:
        winner = next((p for p in candidates if any(t.kind == kind for t in p.targets.all())), None)
        if winner is not None:
            chosen[kind] = winner
    result: list[tuple[SlaPolicy, SlaTarget]] = []
    keys: set[str] = set()
    for policy in candidates:
        for target in policy.targets.all():
            # A key names a clock: when two policies use one key for different kinds, the first keeps it.
            if chosen.get(target.kind) is policy and target.key not in keys:
                keys.add(target.key)
                result.append((policy, target))
    return result


def target_spec(target: SlaTarget, **context: Any) -> TargetSpec:
    """``context``: source, schedule and pause_statuses (see TargetSpec)."""
    return TargetSpec(
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
        start_on_help_request=target.start_on_help_request,
        **context,
    )
