"""SLA sweep on a seeded database: a sweep with nothing due, and bursts of clocks falling due at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sd_bench_sla .venv/bin/python bench/sla_sweep.py \\
        --bursts 1000,10000

Seed first with ``bench/seed_tickets.py --open-only`` (every open ticket has a running or paused clock,
nothing due). In this process, one worker:

1. moves whatever is already due (the demo tickets', a previous run's unfinished burst) a day ahead,
   so the next step starts from "nothing due";
2. times ``sla.sweeper.sweep()`` with nothing due (p50/p95 over --repeat runs) and prints the EXPLAIN
   ANALYZE of its two candidate queries (the partial indexes slaclock_due_running / slaclock_warn_running);
3. for each burst size: makes that many running clocks (of tickets only the default policy matches)
   due one second ago (their warnings already
   recorded, as they would be), then runs the task's body, ``sweep_until_done()`` with the settings'
   batch and time limit, again and again as beat would, until nothing is due; reports the wall time and
   checks that every clock got its SlaBreach row.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import common


def candidate_queries(now):  # type: ignore[no-untyped-def]
    from sla import sweeper

    return sweeper.candidates(sweeper.WARNING, now), sweeper.candidates(sweeper.BREACH, now)


def nothing_due(repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sla import sweeper
    from sla.models import SlaClock

    running = SlaClock.objects.filter(met_at=None, breached_at=None, due_at__isnull=False).count()
    print(
        f"running clocks: {running:,}; open tickets with a clock: {SlaClock.objects.filter(met_at=None).count():,}"
    )
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = sweeper.sweep()
        timings.append((time.perf_counter() - started) * 1000)
        assert result.candidates == 0, result
    with CaptureQueriesContext(connection) as captured:
        sweeper.sweep()
    print(
        f"sweep with nothing due ({repeat} runs): p50 {statistics.median(timings):.2f} ms, "
        f"p95 {common.percentile(timings, 0.95):.2f} ms, max {max(timings):.2f} ms; "
        f"{len(captured.captured_queries)} queries"
    )
    for name, query in zip(("warnings", "breaches"), candidate_queries(timezone.now()), strict=True):
        plan = query.values_list("pk", "ticket_id")[:500].explain(analyze=True)
        print(f"EXPLAIN ANALYZE ({name} candidates):\n    " + plan.replace("\n", "\n    "))


def push_back_due() -> None:
    """Start from "nothing due": clocks already due (the demo tickets', or a burst a previous run left
    unfinished) are moved one day ahead. Only this bench's database is touched."""
    from django.utils import timezone

    from sla.models import SlaClock

    now = timezone.now()
    moved = SlaClock.objects.filter(met_at=None, breached_at=None, due_at__lte=now).update(
        due_at=now + timedelta(days=1), warn_at=now + timedelta(hours=20), warned_at=None
    )
    moved += SlaClock.objects.filter(met_at=None, breached_at=None, warned_at=None, warn_at__lte=now).update(
        warn_at=now + timedelta(hours=20)
    )
    print(f"clocks already due or warning before the run, moved one day ahead: {moved}")
    # A previous run's breaches whose hand-over tasks were dropped from the bench broker (see the end of
    # main) would be queued again by the sweeps below: count them as handed over.
    from sla.models import SlaBreach, SlaWarning

    owed = sum(
        model.objects.filter(handed_over_at=None).update(handed_over_at=now)
        for model in (SlaBreach, SlaWarning)
    )
    print(f"hand-overs a previous run left queued (dropped with its broker), marked done: {owed}")


def default_policy_clocks():  # type: ignore[no-untyped-def]
    """Clocks of tickets that only the default policy matches (by channel and category, the presets'
    conditions). The seeder gives every open ticket the default policy's clock; when a breach escalates
    a ticket, sla.clocks.recompute replaces the clocks of a ticket another policy matches, which would
    make the burst's clocks disappear and other clocks fall due."""
    from sla.models import SlaClock, SlaPolicy

    others = SlaPolicy.objects.filter(active=True, is_default=False)
    channels = {channel for policy in others for channel in policy.channels}
    categories = set(others.values_list("categories", flat=True)) - {None}
    return SlaClock.objects.exclude(ticket__channel__in=channels).exclude(ticket__category_id__in=categories)


def hand_over(breach_ids: list[int]) -> None:
    """What the escalation tasks (sla.tasks.hand_over_breach) cost, run one after another in this process
    as one worker would: escalation rule match, escalate, routing, priority, recompute."""
    from sla import handover
    from sla.models import SlaBreach

    started = time.perf_counter()
    done = sum(handover.hand_over(SlaBreach, pk) for pk in breach_ids)
    seconds = time.perf_counter() - started
    print(
        f"escalation hand-over of {len(breach_ids):,} of the burst's breaches (one worker): {done:,} handed over "
        f"in {seconds:.1f}s, {seconds / max(len(breach_ids), 1) * 1000:.1f} ms per task, "
        f"{len(breach_ids) / max(seconds, 1e-9):.1f} tasks/s"
    )


def burst(size: int, max_seconds: float, hand_over_sample: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from sla import sweeper
    from sla.models import SlaBreach, SlaClock

    now = timezone.now()
    ids = list(
        default_policy_clocks()
        .filter(met_at=None, breached_at=None, due_at__isnull=False)
        # not a clock an earlier burst recorded already (its hand-over recomputed it back to running)
        .exclude(ticket__in=SlaBreach.objects.values("ticket"))
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    SlaClock.objects.filter(pk__in=ids).update(
        due_at=now - timedelta(seconds=1),
        warn_at=now - timedelta(minutes=30),
        warned_at=now - timedelta(minutes=30),
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_slaclock")
    breaches_before = SlaBreach.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    runs, total, recorded = 0, sweeper.SweepResult(), 0
    while time.perf_counter() - started < max_seconds:
        result = sweeper.sweep_until_done()  # what the Celery task sla.tasks.sweep runs
        runs += 1
        total.add(result)
        recorded = SlaBreach.objects.filter(pk__gt=breaches_before, clock_id__in=ids).count()
        print(
            f"    after task run {runs}: {time.perf_counter() - started:6.1f}s, {recorded:,} of {len(ids):,} recorded"
        )
        if result.candidates == 0 or recorded == len(ids):
            break
    seconds = time.perf_counter() - started
    others = SlaBreach.objects.filter(pk__gt=breaches_before).count() - recorded
    print(
        f"burst of {len(ids):,} clocks due at once: {recorded:,} of their breaches recorded in {seconds:.1f}s "
        f"({seconds / max(recorded, 1) * 1000:.1f} ms per breach; {runs} task runs of at most "
        f"{settings.SLA_SWEEP_MAX_SECONDS}s, batch {settings.SLA_SWEEP_BATCH}); other breaches recorded "
        f"meanwhile: {others}; {total}"
    )
    if hand_over_sample:
        sample = list(
            SlaBreach.objects.filter(pk__gt=breaches_before, clock_id__in=ids, handed_over_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)[:hand_over_sample]
        )
        hand_over(sample)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=50, help="timed sweeps with nothing due")
    parser.add_argument("--bursts", default="1000,10000", help="comma-separated burst sizes; empty: none")
    parser.add_argument("--max-seconds", type=float, default=120, help="give up a burst after this long")
    parser.add_argument(
        "--hand-over", type=int, default=500, help="then run this many of the burst's escalation tasks"
    )
    args = parser.parse_args()
    common.require_postgres_url()
    common.setup_django()
    print(common.machine_line())
    push_back_due()
    nothing_due(args.repeat)
    for size in [int(value) for value in args.bursts.split(",") if value]:
        burst(size, args.max_seconds, args.hand_over)
    print(f"({common.purge_broker()} queued follow-up tasks dropped from the bench broker)")


if __name__ == "__main__":
    main()
