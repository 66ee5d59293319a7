"""The sweeper: once per ticket, target and cycle, whoever sweeps; one failing ticket stops nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import TestCase

from sla import sweeper
from sla.models import SlaBreach, SlaClock, SlaWarning
from sla.tasks import hand_over_breach
from sla.tests.helpers import frozen, sweep_at, ticket_at, wib
from tests.factories import customer_ticket
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CREATED = wib(2025, 11, 17, 9, 0)  # Monday; the email policy makes them due at 11.00
LATER = wib(2025, 11, 17, 12, 0)


def email_tickets(count):
    return [ticket_at(CREATED, channel="email", sender=f"buyer{n}@example.test") for n in range(count)]


def test_a_clock_whose_recording_raises_does_not_stop_the_others_and_is_retried_after_a_back_off(
    monkeypatch, caplog
):
    tickets = email_tickets(3)
    broken = tickets[1]
    real_event_data = sweeper.event_data

    def event_data(what, clock):
        if clock.ticket_id == broken.pk:
            raise RuntimeError("cannot describe this clock")
        return real_event_data(what, clock)

    monkeypatch.setattr(sweeper, "event_data", event_data)
    result = sweeper.sweep(now=LATER)
    assert (result.breached, result.failed) == (2, 1)
    assert "clock" in caplog.text and "cannot describe this clock" in caplog.text
    # The failure rolled back that clock's breach, its claim and its event: it is still due ...
    assert not SlaBreach.objects.filter(ticket=broken).exists()
    failing = SlaClock.objects.get(ticket=broken)
    assert failing.breached_at is None
    assert not broken.events.filter(kind=TicketEvent.Kind.SLA, after__sla="breach").exists()
    # ... but waits a minute before it is tried again, so it cannot hold up clocks due after it.
    assert (failing.sweep_attempts, failing.retry_at) == (1, LATER + dt.timedelta(minutes=1))
    assert sweeper.sweep(now=LATER + dt.timedelta(seconds=30)).candidates == 0

    monkeypatch.setattr(sweeper, "event_data", real_event_data)
    assert sweeper.sweep(now=LATER + dt.timedelta(minutes=1)).breached == 1
    assert SlaBreach.objects.count() == 3
    assert SlaClock.objects.get(ticket=broken).retry_at is None


def test_clocks_that_keep_failing_first_in_due_order_do_not_block_the_ones_behind_them(monkeypatch):
    failing = email_tickets(2)
    with frozen(CREATED + dt.timedelta(minutes=30)):
        later = customer_ticket(channel="email", sender="later@example.test")  # due 11.30
    real_event_data = sweeper.event_data

    def event_data(what, clock):
        if clock.ticket_id in {t.pk for t in failing}:
            raise RuntimeError("broken")
        return real_event_data(what, clock)

    monkeypatch.setattr(sweeper, "event_data", event_data)
    assert sweeper.sweep(now=LATER, batch=2).failed == 2  # a whole batch of failures
    result = sweeper.sweep(now=LATER, batch=2)
    assert (result.breached, result.failed) == (1, 0)
    assert SlaBreach.objects.get().ticket == later


def test_a_breach_is_handed_to_escalation_after_commit_as_its_own_task(monkeypatch, caplog):
    tickets = email_tickets(3)
    broken = tickets[1]
    handed_over = []

    def escalate(*, ticket_id, target, breach_id):
        if ticket_id == broken.pk:
            raise RuntimeError("escalation is down for this ticket")
        handed_over.append(ticket_id)

    monkeypatch.setattr("escalation.hooks.sla_breached", escalate)
    with frozen(LATER), TestCase.captureOnCommitCallbacks() as queued:
        assert sweeper.sweep(now=LATER).breached == 3
    assert handed_over == []  # nothing runs inside the sweep's transaction
    with frozen(LATER):
        for callback in queued:
            callback()
    assert sorted(handed_over) == sorted([tickets[0].pk, tickets[2].pk])
    assert "escalation is down" in caplog.text
    # The failed hand-over is still owed; running the task again does not repeat the others.
    assert list(SlaBreach.objects.filter(handed_over_at__isnull=True).values_list("ticket", flat=True)) == [
        broken.pk
    ]
    assert [hand_over_breach(b.pk) for b in SlaBreach.objects.exclude(ticket=broken)] == [False, False]


def test_a_hand_over_whose_task_was_lost_is_queued_again_by_the_sweep(monkeypatch):
    (ticket,) = email_tickets(1)
    handed_over = []
    monkeypatch.setattr("escalation.hooks.sla_breached", lambda **kw: handed_over.append(kw["breach_id"]))
    sweep_at(LATER, hand_over=False)  # the broker was down: the queued task never ran
    breach = SlaBreach.objects.get(ticket=ticket)
    assert breach.handed_over_at is None
    assert sweep_at(LATER + dt.timedelta(minutes=1)).requeued == 0  # not yet: it may still be on its way
    assert sweep_at(LATER + dt.timedelta(minutes=2)).requeued == 1
    assert handed_over == [breach.pk]
    breach.refresh_from_db()
    assert breach.handed_over_at is not None and breach.handover_attempts == 1
    assert sweep_at(LATER + dt.timedelta(hours=1)).requeued == 0


def test_a_slower_sweeper_holding_stale_candidates_records_nothing_twice():
    email_tickets(2)
    stale = list(SlaClock.objects.values_list("pk", "ticket_id"))
    assert sweeper.sweep(now=LATER).breached == 2
    with transaction.atomic():
        assert sweeper._claim_and_record(sweeper.BREACH, stale, LATER) == 0
    assert SlaBreach.objects.count() == 2


def test_the_unique_constraint_stops_a_second_breach_even_when_the_clock_was_rebuilt():
    (ticket,) = email_tickets(1)
    sweeper.sweep(now=LATER)
    SlaClock.objects.filter(ticket=ticket).update(breached_at=None)  # e.g. rebuilt by a policy change
    result = sweeper.sweep(now=LATER)
    assert (result.breached, result.skipped) == (0, 1)
    assert SlaBreach.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA).count() == 1


def test_a_clock_that_is_already_due_gets_its_breach_without_a_late_warning():
    email_tickets(1)
    result = sweeper.sweep(now=LATER)  # warning (10.00) and due (11.00) both passed
    assert (result.warned, result.breached) == (0, 1)
    assert not SlaWarning.objects.exists()


def test_a_sweep_takes_a_bounded_batch_and_the_run_goes_on_until_nothing_is_due():
    email_tickets(5)
    assert sweeper.sweep(now=LATER, batch=2).breached == 2
    with frozen(LATER):
        total = sweeper.sweep_until_done(batch=2)
    assert total.breached == 3
    assert SlaBreach.objects.count() == 5


def test_the_management_command_runs_one_sweep(capsys):
    email_tickets(2)
    with frozen(LATER):
        call_command("sla_sweep")
    assert "breached 2" in capsys.readouterr().out


def test_the_celery_task_sweeps_and_is_on_the_beat_schedule(settings):
    from sla.tasks import sweep

    email_tickets(1)
    with frozen(LATER):
        assert sweep.delay().get()["breached"] == 1
    assert settings.CELERY_BEAT_SCHEDULE["sla-sweep"] == {"task": "sla.tasks.sweep", "schedule": 30.0}


def test_the_sweep_queries_use_the_partial_due_and_warning_indexes():
    tickets = email_tickets(3)
    # Many clocks that were warned but are still running sit in the due index and not in the warning
    # index, as on a live desk; with fresh statistics the planner then has one right answer per query
    # instead of a coin toss between two tiny indexes.
    template = SlaClock.objects.filter(ticket=tickets[0]).first()
    assert template is not None
    warned = []
    for cycle in range(2, 402):
        template.pk, template.cycle, template.warned_at = None, cycle, CREATED
        template.due_at = template.warn_at = wib(2025, 11, 20, 9, 0)
        warned.append(SlaClock(**{f.attname: getattr(template, f.attname) for f in SlaClock._meta.fields}))
    SlaClock.objects.bulk_create(warned)
    due = SlaClock.objects.filter(due_at__lte=LATER, breached_at__isnull=True, met_at__isnull=True).order_by(
        "due_at"
    )
    warn = SlaClock.objects.filter(
        warn_at__lte=LATER, warned_at__isnull=True, breached_at__isnull=True, met_at__isnull=True
    ).order_by("warn_at")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE sla_slaclock")
            cursor.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a small table: ask whether the index *can* serve
        else:
            cursor.execute("ANALYZE")
        plans = [due.values_list("pk")[:500].explain(), warn.values_list("pk")[:500].explain()]
    assert "slaclock_due_running" in plans[0], plans[0]
    assert "slaclock_warn_running" in plans[1], plans[1]


# --- Three sweepers racing ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_sweepers_racing_over_the_same_due_tickets_record_exactly_one_breach_each(monkeypatch):
    tickets = email_tickets(12)
    handed_over = []
    lock = threading.Lock()
    monkeypatch.setattr("escalation.hooks.sla_breached", lambda **kw: handed_over.append(kw["ticket_id"]))
    # SQLite has one writer at a time (and an in-memory test database shared between threads cannot take
    # concurrent writers at all): there the sweepers take turns. PostgreSQL runs them truly in parallel.
    serialise = connection.vendor == "sqlite"
    start = threading.Barrier(3)
    results, errors = [], []

    def run():
        try:
            start.wait()
            if serialise:
                with lock:
                    results.append(sweeper.sweep(now=LATER, batch=50))
            else:
                results.append(sweeper.sweep(now=LATER, batch=50))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.breached for r in results) == 12
    assert sum(r.failed for r in results) == 0
    assert SlaBreach.objects.count() == 12
    assert sorted(handed_over) == sorted(t.pk for t in tickets)
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA).count() == 12


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ticket_an_agent_is_changing_is_left_to_the_next_sweep():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks that others skip need PostgreSQL; SQLite runs one writer at a time.")
    (ticket,) = email_tickets(1)
    locked, release = threading.Event(), threading.Event()

    def agent_changing_the_ticket():
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket.pk)  # as every tickets.actions call does
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=agent_changing_the_ticket)
    thread.start()
    assert locked.wait(10)
    try:
        result = sweeper.sweep(now=LATER)
    finally:
        release.set()
        thread.join()
    assert (result.breached, result.skipped) == (0, 2)  # its warning and its breach, untouched
    assert sweeper.sweep(now=LATER).breached == 1
