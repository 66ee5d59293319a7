"""SLA badges and the SLA panel for desk templates.

    {% load sla_tags %}
    {% sla_badges ticket %}   list rows and the ticket header: "due in 12m", "overdue 1h 5m", "paused"
    {% sla_panel ticket %}    the ticket page: every target with due time, time left, met or breached

Prefetch with sla.queries.with_sla_clocks(queryset) so a page of badges costs one query in all.
"""

from __future__ import annotations

from typing import Any

from django import template

from sla import badges, names, reports
from sla.queries import PREFETCH_ATTR, shown_clocks

register = template.Library()


@register.inclusion_tag("sla/_badges.html")
def sla_badges(ticket: Any) -> dict[str, Any]:
    clocks = getattr(ticket, PREFETCH_ATTR, None)
    if clocks is None:  # not prefetched: one query for this ticket
        clocks = list(shown_clocks().filter(ticket=ticket))
    return {"badges": badges.badges(clocks)}


@register.inclusion_tag("sla/_panel.html")
def sla_panel(ticket: Any) -> dict[str, Any]:
    clocks = list(ticket.sla_clocks.select_related("policy").order_by("started_at", "target", "cycle"))
    return {"rows": badges.panel(clocks)}


@register.filter
def sla_hours(seconds: float | None) -> str:
    """Seconds of business time as hours with one decimal ("" when unknown)."""
    return reports.hours(seconds)


@register.filter
def sla_name(name: str) -> str:
    """A seeded policy, target or calendar name in the reader's language; an admin's own name as is."""
    return names.translated(name)
