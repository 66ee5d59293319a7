"""Overdue reviews climb a level once, L1 → L2 → L3, under repeated and concurrent sweeps."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from escalation import actions, requests, sweeper, tasks
from escalation.models import Escalation, EscalationLog, EscalationStatus, Notification, Trigger
from escalation.tests.conftest import at, make_desk, ticket_for
from tickets import actions as ticket_actions
from tickets.models import Status, TicketEvent


def _request(desk):  # type: ignore[no-untyped-def]
    return requests.request_by_customer(ticket_for(desk), text="Tolong supervisor cek")


@pytest.mark.django_db
def test_when_nobody_acts_it_climbs_l1_l2_l3_and_then_tells_the_top(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    escalation = _request(desk)
    assert escalation.review_due == at(4, 10)  # Monday 10:00 + 2 working days

    clock.move_to(at(4, 9, 59))
    assert sweeper.sweep() == 0
    clock.move_to(at(4, 10, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_overdue() == 1
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ESCALATED
    second = Escalation.objects.get(parent=escalation)
    assert (second.level, second.reason, second.assigned_to) == (2, Trigger.CUSTOMER_REQUEST, desk.manager)
    assert second.review_due == at(6, 10, 1)  # Wednesday + 2 working days = Friday
    assert any(m.to == [desk.manager.email] for m in mailoutbox)

    clock.move_to(at(6, 10, 2))
    assert sweeper.sweep() == 1
    third = Escalation.objects.get(parent=second)
    assert (third.level, third.assigned_to) == (3, desk.head)
    assert third.review_due == at(10, 10, 2)  # Friday + 2 working days = Tuesday (weekend skipped)

    clock.move_to(at(10, 11))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.sweep() == 1  # the top level: flagged, not climbed
    assert sweeper.sweep() == 0  # and only once
    third.refresh_from_db()
    assert third.status == EscalationStatus.OPEN and third.overdue_handled_at is not None
    assert Escalation.objects.count() == 3
    assert Notification.objects.filter(escalation=third, kind="overdue", user=desk.head).count() == 1
    actions_logged = list(EscalationLog.objects.order_by("pk").values_list("escalation__level", "action"))
    assert (
        (1, "escalated") in actions_logged
        and (2, "escalated") in actions_logged
        and (3, "overdue") in actions_logged
    )
    events = [e.after["action"] for e in TicketEvent.objects.filter(kind="escalation").order_by("pk")]
    assert events == ["created", "created", "created", "overdue"]


@pytest.mark.django_db
def test_an_acknowledged_escalation_does_not_climb(desk, clock):
    escalation = _request(desk)
    actions.acknowledge(escalation, by=desk.supervisor)
    clock.move_to(at(9, 10))
    assert sweeper.sweep() == 0
    assert Escalation.objects.count() == 1
    assert Escalation.objects.overdue().count() == 1  # still shown overdue to people


@pytest.mark.django_db
def test_sweeping_again_or_retrying_the_task_changes_nothing(desk, clock):
    escalation = _request(desk)
    clock.move_to(at(4, 11))
    assert sweeper.sweep() == 1
    assert sweeper.sweep() == 0
    assert tasks.sweep_overdue() == 0
    # A late retry of the claim itself: already handled, nothing happens.
    assert actions.handle_overdue(escalation.pk, now=at(4, 11)) is False
    assert Escalation.objects.filter(level=2).count() == 1


@pytest.mark.django_db
def test_one_failing_row_does_not_stop_the_sweep(desk, clock, monkeypatch):
    broken = _request(desk)
    fine = _request(desk)
    original = actions.escalate_further

    def explode(escalation, **kwargs):  # type: ignore[no-untyped-def]
        if escalation.pk == broken.pk:
            raise RuntimeError("boom")
        return original(escalation, **kwargs)

    monkeypatch.setattr(actions, "escalate_further", explode)
    clock.move_to(at(4, 11))
    assert sweeper.sweep() == 1
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert fine.status == EscalationStatus.ESCALATED
    assert broken.status == EscalationStatus.OPEN and broken.overdue_handled_at is None  # rolled back
    assert broken.sweep_failures == 1
    monkeypatch.setattr(actions, "escalate_further", original)
    assert sweeper.sweep() == 1  # the next sweep retries it
    assert Escalation.objects.filter(level=2).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sweeps_escalate_each_overdue_review_exactly_once(clock):
    desk = make_desk()
    escalations = [_request(desk) for _ in range(12)]
    clock.move_to(at(4, 11))
    now = at(4, 11)
    # PostgreSQL: four sweepers run truly in parallel (SKIP LOCKED + the conditional UPDATE).
    # SQLite has one writer at a time, and an in-memory test database shared between threads cannot
    # take concurrent writers at all: there every sweeper first reads the same 12 due rows, then they
    # take turns working through that stale list, so all but the first must lose the claim.
    serialise = connection.vendor == "sqlite"
    barrier = threading.Barrier(4)
    turn = threading.Lock()
    handled: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            if serialise:
                ids = sweeper.due(now)
                barrier.wait()
                with turn:
                    handled.append(sweeper.sweep_rows(ids, now=now))
            else:
                barrier.wait()
                handled.append(sweeper.sweep(now=now))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(handled) == len(escalations)
    assert sweeper.sweep(now=now) == 0
    assert Escalation.objects.filter(level=2).count() == len(escalations)
    for escalation in escalations:
        assert Escalation.objects.filter(parent=escalation).count() == 1
        assert EscalationLog.objects.filter(escalation=escalation, action="escalated").count() == 1


# --- Closed and merged tickets ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_internal_escalation_on_a_closed_ticket_is_closed_by_the_sweeper_not_climbed(desk, clock):
    ticket = ticket_for(desk)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="Pelanggan marah")
    ticket_actions.change_status(ticket, status=Status.CLOSED, by=desk.agent)
    notices = Notification.objects.count()
    assert sweeper.sweep() == 0  # nothing is due yet, but the closed ticket's escalation is done with
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.resolved_by is None
    assert escalation.outcome == "" and escalation.outcome_message is None
    log = EscalationLog.objects.get(escalation=escalation, action="closed")
    assert "closed" in log.note
    clock.move_to(at(12, 10))
    sweeper.sweep()
    assert Escalation.objects.count() == 1 and Notification.objects.count() == notices


@pytest.mark.django_db
def test_a_customer_request_on_a_closed_ticket_stays_owed_but_stops_climbing(desk, clock):
    ticket = ticket_for(desk)
    escalation = _request(desk)
    ticket = escalation.ticket
    ticket_actions.change_status(ticket, status=Status.CLOSED, by=desk.agent)
    notices = Notification.objects.count()
    clock.move_to(at(4, 10, 1))  # review overdue
    assert sweeper.sweep() == 0
    clock.move_to(at(12, 10))
    assert sweeper.sweep() == 0
    escalation.refresh_from_db()
    assert (escalation.status, escalation.level) == (EscalationStatus.OPEN, 1)
    assert Escalation.objects.count() == 1 and Notification.objects.count() == notices
    assert list(Escalation.objects.overdue()) == [escalation]  # still on the supervisor's list
    with pytest.raises(actions.ActionError, match="closed"):
        actions.escalate_further(escalation, by=None)
    # A person may still hand it to the next level.
    child = actions.escalate_further(escalation, by=desk.supervisor, note="Manajer yang menjawab")
    assert child.level == 2


@pytest.mark.django_db
def test_escalations_of_a_merged_ticket_stop_climbing(desk, clock):
    escalation = _request(desk)
    target = ticket_for(desk, sender="budi@example.test", subject="Lagi")
    ticket_actions.merge(escalation.ticket, into=target, by=desk.agent)
    clock.move_to(at(4, 10, 1))
    assert sweeper.sweep() == 0
    escalation.refresh_from_db()
    assert (escalation.status, escalation.level) == (EscalationStatus.OPEN, 1)
