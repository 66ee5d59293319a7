"""What a ticket's SLA clocks look like to an agent: short badges for list rows, a panel for the ticket page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sla.calendar import business_time_between
from sla.models import SlaBreach, SlaClock
from sla.names import translated
from sla.schedules import calendars_with_rules, schedule_for

# Urgency order (most urgent first) and colours; the classes let the desk's stylesheet take over.
STATES = ("overdue", "warning", "paused", "running", "waiting")
COLOURS = {
    "overdue": ("#b42318", "#fff"),
    "warning": ("#f79009", "#1d1d1d"),
    "paused": ("#667085", "#fff"),
    "running": ("#12b76a", "#fff"),
    "waiting": ("#98a2b3", "#1d1d1d"),
}


def short_duration(value: dt.timedelta) -> str:
    """Two units at most: 2d 3h, 1h 5m, 12m, <1m."""
    minutes = int(abs(value).total_seconds()) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)dd %(hours)dh") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)dh %(minutes)dm") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)dm") % {"minutes": minutes}
    return _("<1m")


@dataclass(frozen=True)
class Badge:
    name: str
    state: str
    text: str
    title: str
    background: str
    foreground: str


def clock_state(clock: SlaClock, now: dt.datetime) -> str:
    if clock.is_wait:  # the customer's wait: nobody is late, it only ends
        if clock.paused_at is not None and clock.met_at is None:
            return "paused"
        return "waiting" if clock.met_at is not None and clock.met_at > now else "wait_over"
    if clock.met_at is not None:
        return "met" if clock.met_on_time else "met_late"
    if clock.started_at > now:
        return "scheduled"
    if clock.paused_at is not None:
        return "paused"
    if clock.due_at is not None and clock.due_at <= now:
        return "overdue"
    if clock.warn_at is not None and clock.warn_at <= now:
        return "warning"
    return "running"


def badges(clocks: Iterable[SlaClock], *, now: dt.datetime | None = None) -> list[Badge]:
    """One badge per target (its latest started cycle), most urgent first."""
    now = now or timezone.now()
    latest: dict[str, SlaClock] = {}
    for clock in clocks:
        state = clock_state(clock, now)
        if state in STATES and (clock.target not in latest or clock.cycle > latest[clock.target].cycle):
            latest[clock.target] = clock
    result = []
    for clock in latest.values():
        state = clock_state(clock, now)
        name = translated(clock.name)
        due = formats.date_format(timezone.localtime(clock.due_at), "j M Y H:i") if clock.due_at else ""
        if state == "paused":
            text = _("paused")
            title = _("%(name)s: paused, %(left)s left") % {
                "name": name,
                "left": short_duration(dt.timedelta(seconds=clock.remaining_seconds or 0)),
            }
        elif state == "waiting":
            assert clock.due_at is not None
            text = _("customer waits %(left)s") % {"left": short_duration(clock.due_at - now)}
            title = _("%(name)s: the customer was asked to wait until %(due)s; then it needs an agent") % {
                "name": name,
                "due": due,
            }
        elif state == "overdue":
            assert clock.due_at is not None
            text = _("overdue %(late)s") % {"late": short_duration(now - clock.due_at)}
            title = _("%(name)s: was due %(due)s") % {"name": name, "due": due}
        else:
            assert clock.due_at is not None
            text = _("due in %(left)s") % {"left": short_duration(clock.due_at - now)}
            title = _("%(name)s: due %(due)s") % {"name": name, "due": due}
        background, foreground = COLOURS[state]
        # A wait's text already says what it is ("customer waits 12m"): no name in front.
        result.append(Badge("" if state == "waiting" else name, state, text, title, background, foreground))
    order = {state: index for index, state in enumerate(STATES)}
    return sorted(result, key=lambda badge: order[badge.state])


@dataclass(frozen=True)
class PanelRow:
    clock: SlaClock
    name: str
    policy: str
    state: str
    label: str
    remaining: str  # business time left (running/paused) or overdue by (overdue)
    taken: str  # time taken once met, in business minutes
    breached_earlier: dt.datetime | None = None  # recorded breach of a clock a policy change moved


STATE_LABELS = {
    "met": gettext_lazy("Met"),
    "met_late": gettext_lazy("Met late"),
    "scheduled": gettext_lazy("Not started"),
    "paused": gettext_lazy("Paused"),
    "overdue": gettext_lazy("Breached"),
    "warning": gettext_lazy("At risk"),
    "running": gettext_lazy("Running"),
    "waiting": gettext_lazy("Customer waiting"),
    "wait_over": gettext_lazy("Wait over"),
}


def panel(clocks: list[SlaClock], *, now: dt.datetime | None = None) -> list[PanelRow]:
    """Every clock of a ticket with its remaining business time (a fixed number of queries)."""
    now = now or timezone.now()
    calendar_ids = {c.calendar_id for c in clocks if c.calendar_id is not None}
    schedules = {
        cal.pk: schedule_for(cal, around=now) for cal in calendars_with_rules().filter(pk__in=calendar_ids)
    }
    breaches = {
        (target, cycle): at
        for target, cycle, at in SlaBreach.objects.filter(
            ticket_id__in={c.ticket_id for c in clocks}
        ).values_list("target", "cycle", "created_at")
    }
    rows = []
    for clock in clocks:
        state = clock_state(clock, now)
        remaining = ""
        if state == "waiting" and clock.due_at is not None:
            remaining = short_duration(clock.due_at - now)
        elif state == "paused":
            remaining = short_duration(dt.timedelta(seconds=clock.remaining_seconds or 0))
        elif state in ("running", "warning", "overdue") and clock.due_at is not None:
            schedule = schedules.get(clock.calendar_id) if clock.calendar_id else None
            left = business_time_between(schedule, now, clock.due_at) if schedule else clock.due_at - now
            remaining = short_duration(left) if state != "overdue" else "-" + short_duration(left)
        taken = ""
        if clock.elapsed_seconds is not None:
            taken = _("%(minutes)d min") % {"minutes": round(clock.elapsed_seconds / 60)}
        earlier = breaches.get((clock.target, clock.cycle)) if clock.breached_at is None else None
        policy = translated(clock.policy.name) if clock.policy else ""
        rows.append(
            PanelRow(
                clock,
                translated(clock.name),
                policy,
                state,
                str(STATE_LABELS[state]),
                remaining,
                taken,
                earlier,
            )
        )
    return rows
