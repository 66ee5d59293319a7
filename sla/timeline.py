"""From a ticket's history to its clocks: pure functions, no database.

sla.clocks loads the history (status changes, customer messages, agent replies) and a policy's targets,
calls plan_clocks, and stores the result. Because every clock is derived from the whole history each time,
a changed policy, category or priority gives the same due times as if it had applied from the start, and
a pause moves a due time by exactly the paused business time:

    due = add(base_due, business time paused before the clock fell due)

which equals add(start, target + paused) because adding business time is additive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from sla.calendar import (
    ZERO,
    Schedule,
    add_business_days,
    add_business_time,
    always_open,
    business_time_between,
)

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION, WAIT = "first_response", "next_response", "resolution", "wait"
RESOLVED_STATUSES = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    status: str
    hold_reason: str = ""


@dataclass(frozen=True)
class TicketHistory:
    created_at: dt.datetime
    statuses: tuple[StatusChange, ...]  # in order; the first is the status the ticket opened with
    customer_messages: tuple[dt.datetime, ...] = ()
    agent_replies: tuple[dt.datetime, ...] = ()
    first_response_at: dt.datetime | None = None
    # When the customer first asked for platform help on a dispute ("Minta Bantuan").
    help_requested_at: dt.datetime | None = None


@dataclass(frozen=True)
class TargetSpec:
    key: str
    name: str
    kind: str
    amount: int
    unit: str  # minutes / hours / days
    business: bool  # False: calendar time
    warn_percent: int | None = None
    warn_minutes_before: int | None = None
    start_on_hold_reason: str = ""
    start_after: str | None = None  # key of another target
    start_on_help_request: bool = False
    # Where the target comes from (a policy id, carried to its clocks) and what it counts on; None: the
    # schedule and pause statuses plan_clocks is given.
    source: int | None = None
    schedule: Schedule | None = field(default=None, compare=False)
    pause_statuses: frozenset[str] | None = None

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.amount * {"minutes": 60, "hours": 3600, "days": 86_400}[self.unit])


@dataclass(frozen=True)
class PlannedClock:
    target: str
    name: str
    kind: str
    cycle: int
    started_at: dt.datetime
    due_at: dt.datetime | None  # None while paused
    warn_at: dt.datetime | None
    paused_at: dt.datetime | None = None
    paused_seconds: int = 0
    remaining_seconds: int | None = None  # while paused
    met_at: dt.datetime | None = None
    elapsed_seconds: int | None = None  # once met, pauses excluded
    source: int | None = None


Pause = tuple[dt.datetime, dt.datetime | None]


def pauses(history: TicketHistory, pause_statuses: frozenset[str]) -> list[Pause]:
    """Intervals spent in a pausing status; the last one is open (None) while the ticket is paused."""
    result: list[Pause] = []
    since: dt.datetime | None = None
    for change in history.statuses:
        paused = change.status in pause_statuses
        if paused and since is None:
            since = change.at
        elif not paused and since is not None:
            result.append((since, change.at))
            since = None
    if since is not None:
        result.append((since, None))
    return result


def resolutions(history: TicketHistory) -> list[dt.datetime]:
    """Instants the ticket became resolved (or closed without being resolved first)."""
    result, previous = [], ""
    for change in history.statuses:
        if change.status in RESOLVED_STATUSES and previous not in RESOLVED_STATUSES:
            result.append(change.at)
        previous = change.status
    return result


def reopenings(history: TicketHistory) -> list[dt.datetime]:
    result, previous = [], ""
    for change in history.statuses:
        if previous in RESOLVED_STATUSES and change.status not in RESOLVED_STATUSES:
            result.append(change.at)
        previous = change.status
    return result


def _first_at_or_after(instants: list[dt.datetime], start: dt.datetime) -> dt.datetime | None:
    return min((t for t in instants if t >= start), default=None)


def _starts(history: TicketHistory, spec: TargetSpec) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """(start, met) for each cycle of a target that does not follow another target."""
    resolved = resolutions(history)
    if spec.start_on_help_request:
        asked = history.help_requested_at
        return [] if asked is None else [(asked, _first_at_or_after(resolved, asked))]
    if spec.start_on_hold_reason:
        held = next(
            (
                c.at
                for c in history.statuses
                if c.status == "on_hold" and c.hold_reason == spec.start_on_hold_reason
            ),
            None,
        )
        return [] if held is None else [(held, _first_at_or_after(resolved, held))]
    if spec.kind == WAIT:
        return [(history.created_at, _first_at_or_after(resolved, history.created_at))]
    if spec.kind == RESOLUTION:
        starts = [history.created_at, *reopenings(history)]
        return [(start, _first_at_or_after(resolved, start)) for start in starts]
    if spec.kind == FIRST_RESPONSE:
        candidates = [
            t for t in (history.first_response_at, _first_at_or_after(resolved, history.created_at)) if t
        ]
        return [(history.created_at, min(candidates, default=None))]
    return _next_response_cycles(history, resolved)


def _next_response_cycles(
    history: TicketHistory, resolved: list[dt.datetime]
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    # A customer message waits for an answer once the ticket has had one (a reply, or a resolution);
    # before that, the first-response clock covers it. The next reply or resolution answers it.
    answers = sorted([*history.agent_replies, *resolved])
    events = sorted([(t, 1) for t in answers] + [(t, 0) for t in history.customer_messages])
    cycles: list[tuple[dt.datetime, dt.datetime | None]] = []
    answered, waiting_since = False, None
    for at, is_answer in events:
        if is_answer:
            answered = True
            if waiting_since is not None:
                cycles.append((waiting_since, at))
                waiting_since = None
        elif answered and waiting_since is None:
            waiting_since = at
    if waiting_since is not None:
        cycles.append((waiting_since, None))
    return cycles


def _deadline(spec: TargetSpec, schedule: Schedule, start: dt.datetime) -> dt.datetime:
    if spec.unit == "days" and spec.business:
        return add_business_days(schedule, start, spec.amount)
    return add_business_time(schedule, start, spec.duration)


def _warning(
    spec: TargetSpec, schedule: Schedule, start: dt.datetime, due: dt.datetime
) -> dt.datetime | None:
    total = business_time_between(schedule, start, due)
    if spec.warn_percent is not None:
        return add_business_time(schedule, start, total * spec.warn_percent / 100)
    if spec.warn_minutes_before is not None:
        offset = total - dt.timedelta(minutes=spec.warn_minutes_before)
        return add_business_time(schedule, start, offset) if offset > ZERO else None
    return None


def _shift(
    schedule: Schedule, base: dt.datetime, start: dt.datetime, paused: list[Pause], stop: dt.datetime | None
) -> tuple[dt.datetime | None, dt.timedelta, dt.datetime | None]:
    """Move ``base`` by the open time paused before it was reached: (instant or None while paused,
    paused time counted, paused since)."""
    total = ZERO
    for begin, end in paused:
        if end is not None and end <= start:
            continue
        begin = max(begin, start)
        if stop is not None and begin >= stop:
            break
        if begin >= (add_business_time(schedule, base, total) if total else base):
            break  # paused only after this instant had passed: it stays where it was
        if end is None:
            return None, total, begin
        total += business_time_between(schedule, begin, end)
    return (add_business_time(schedule, base, total) if total else base), total, None


def _paused_within(
    schedule: Schedule, paused: list[Pause], start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    total = ZERO
    for begin, finish in paused:
        low, high = max(begin, start), min(finish or end, end)
        if high > low:
            total += business_time_between(schedule, low, high)
    return total


def plan_clock(
    spec: TargetSpec,
    schedule: Schedule,
    paused: list[Pause],
    *,
    cycle: int,
    start: dt.datetime,
    met: dt.datetime | None,
) -> PlannedClock:
    base_due = _deadline(spec, schedule, start)
    base_warn = _warning(spec, schedule, start, base_due)
    due, paused_total, paused_since = _shift(schedule, base_due, start, paused, met)
    warn = _shift(schedule, base_warn, start, paused, met)[0] if base_warn is not None else None
    remaining = elapsed = None
    if paused_since is not None and met is None:
        resumed_due = add_business_time(schedule, base_due, paused_total) if paused_total else base_due
        remaining = int(business_time_between(schedule, paused_since, resumed_due).total_seconds())
    if met is not None:
        taken = business_time_between(schedule, start, met) - _paused_within(schedule, paused, start, met)
        elapsed = max(0, int(taken.total_seconds()))
        paused_since = None
        if due is None:  # met while paused: the due time is where it stood when the pause began
            due = add_business_time(schedule, base_due, paused_total) if paused_total else base_due
    return PlannedClock(
        source=spec.source,
        target=spec.key,
        name=spec.name,
        kind=spec.kind,
        cycle=cycle,
        started_at=start,
        due_at=due,
        warn_at=warn,
        paused_at=paused_since,
        paused_seconds=int(paused_total.total_seconds()),
        remaining_seconds=remaining,
        met_at=met,
        elapsed_seconds=elapsed,
    )


def plan_wait(
    spec: TargetSpec, schedule: Schedule, paused: list[Pause], history: TicketHistory
) -> PlannedClock:
    """A customer wait: due_at and met_at are when it ends (its full time, or an earlier resolution);
    both empty while it is paused. Never warned or breached: nobody is late while the customer waits."""
    ((start, resolved),) = _starts(history, spec)
    clock = plan_clock(spec, schedule, paused, cycle=1, start=start, met=resolved)
    if resolved is None or (clock.due_at is not None and resolved > clock.due_at):
        clock = plan_clock(spec, schedule, paused, cycle=1, start=start, met=None)
        if clock.due_at is not None:
            clock = plan_clock(spec, schedule, paused, cycle=1, start=start, met=clock.due_at)
    return replace(clock, warn_at=None)


def _wait_end(waits: list[PlannedClock]) -> tuple[bool, dt.datetime | None]:
    """(the ticket has a wait, when the first response starts): the end of a wait that ran its full time;
    None while a wait is paused or when it ended by a resolution."""
    if not waits:
        return False, None
    ends = [w.due_at if w.due_at is not None and w.met_at == w.due_at else None for w in waits]
    return True, None if None in ends else max(e for e in ends if e is not None)


def plan_clocks(
    history: TicketHistory,
    specs: list[TargetSpec],
    *,
    schedule: Schedule,
    pause_statuses: frozenset[str],
) -> list[PlannedClock]:
    """Every clock the targets give this history: one per target and cycle, in target order.

    Business-time targets count on their schedule (``schedule`` unless the spec has its own);
    calendar-time targets around the clock in its zone. A target that starts after another starts at
    that one's due time, unless it was met by then. When there is a customer wait, the first response
    starts when the wait ends unresolved (none when it was answered or resolved during the wait).
    """
    resolved = resolutions(history)
    paused_by: dict[frozenset[str], list[Pause]] = {}

    def context(spec: TargetSpec) -> tuple[Schedule, list[Pause]]:
        own = spec.schedule or schedule
        statuses = pause_statuses if spec.pause_statuses is None else spec.pause_statuses
        if statuses not in paused_by:
            paused_by[statuses] = pauses(history, statuses)
        return (own if spec.business else always_open(own.tz)), paused_by[statuses]

    planned: dict[str, list[PlannedClock]] = {}
    for spec in specs:
        if spec.kind == WAIT:
            planned[spec.key] = [plan_wait(spec, *context(spec), history)]
    has_wait, wait_end = _wait_end([c for key in planned for c in planned[key]])
    waiting = [s for s in specs if s.kind != WAIT]
    while waiting:
        ready = [s for s in waiting if s.start_after is None or s.start_after in planned]
        if not ready:  # a chain to a missing target, or a loop: those targets never start
            break
        for spec in ready:
            waiting.remove(spec)
            clock_schedule, paused = context(spec)
            if spec.start_after is not None:
                starts = [
                    (before.cycle, before.due_at, _first_at_or_after(resolved, before.due_at))
                    for before in planned[spec.start_after]
                    if before.due_at is not None and (before.met_at is None or before.met_at > before.due_at)
                ]
            elif spec.kind == FIRST_RESPONSE and has_wait:
                ((_created, met),) = _starts(history, spec)
                started = wait_end is not None and (met is None or met >= wait_end)
                starts = [(1, wait_end, met)] if wait_end is not None and started else []
            else:
                starts = [
                    (number, start, met) for number, (start, met) in enumerate(_starts(history, spec), 1)
                ]
            planned[spec.key] = [
                plan_clock(spec, clock_schedule, paused, cycle=number, start=start, met=met)
                for number, start, met in starts
            ]
    order = {spec.key: index for index, spec in enumerate(specs)}
    return [clock for key in sorted(planned, key=order.__getitem__) for clock in planned[key]]
