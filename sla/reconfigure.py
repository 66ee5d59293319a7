"""After an admin changes a policy, a calendar or a team's calendar: recompute the open tickets it affects.

The admin queues sla.tasks.recompute_open_tickets after commit with a scope; each run recomputes one
bounded batch of ticket ids (in id order, each ticket under its row lock, as tickets.actions does) and
queues the next batch. Recomputing is idempotent, so a retried or duplicated run only repeats work.
Scopes: {"policy": id}, {"calendar": id}, {"team": id}, {"all": 1}.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from sla.clocks import recompute
from sla.models import SlaClock, SlaPolicy
from supportdesk.queue import enqueue_on_commit
from tickets.models import OPEN_STATUSES, Ticket

log = logging.getLogger(__name__)

BATCH = 200


def after_admin_change(scope: dict[str, int]) -> None:
    """Queue the recomputation once the admin's transaction commits."""
    from sla import tasks  # local: the tasks module imports this one

    enqueue_on_commit(tasks.recompute_open_tickets, scope, 0)


def affected(scope: dict[str, int]) -> QuerySet[Ticket]:
    """Open tickets whose clocks the change in ``scope`` may move."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
    unmet = SlaClock.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True)
    if "policy" in scope:
        policy = SlaPolicy.objects.filter(pk=scope["policy"], active=True).first()
        had_it = Q(Exists(unmet.filter(policy_id=scope["policy"])))
        return tickets.filter(had_it | _conditions(policy)) if policy is not None else tickets.filter(had_it)
    if "calendar" in scope:
        on_it = Q(Exists(unmet.filter(calendar_id=scope["calendar"])))
        policies = SlaPolicy.objects.filter(calendar_id=scope["calendar"]).values("pk")
        return tickets.filter(
            on_it
            | Q(team__sla_calendar__calendar_id=scope["calendar"])
            | Q(Exists(unmet.filter(policy_id__in=policies)))
        )
    if "team" in scope:
        return tickets.filter(team_id=scope["team"])
    return tickets


def _conditions(policy: SlaPolicy) -> Q:
    """The policy's match conditions as a filter (sla.policies.matches, in SQL)."""
    condition = Q()
    for values, lookup in (
        (policy.channels, "channel__in"),
        (policy.priorities, "priority__in"),
        (policy.requester_roles, "requester_role__in"),
        (policy.contact_tiers, "contact__tier__in"),
        (list(policy.categories.values_list("pk", flat=True)), "category_id__in"),
        (list(policy.teams.values_list("pk", flat=True)), "team_id__in"),
    ):
        if values:
            condition &= Q(**{lookup: values})
    return condition


def recompute_batch(scope: dict[str, int], *, after_id: int = 0) -> int:
    """Recompute the next BATCH affected tickets after ``after_id``; queue the rest. How many."""
    ids = list(affected(scope).filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)[:BATCH])
    for ticket_id in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
            if ticket is not None:
                recompute(ticket, reason="sla_configuration")
    if len(ids) == BATCH:
        from sla import tasks

        enqueue_on_commit(tasks.recompute_open_tickets, scope, ids[-1])
    log.info("SLA configuration %s: recomputed %d open tickets after #%s.", scope, len(ids), after_id)
    return len(ids)
