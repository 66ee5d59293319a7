"""The seeded window policies end to end: the pending-order wait with operator disruptions, and disputes."""

from __future__ import annotations

import pytest

from sla.models import SlaBreach, SlaClock
from sla.tests.helpers import clock, frozen, local, sweep_at, ticket_at, wib
from tests.factories import inbound
from tickets import actions
from tickets.models import HoldReason, Status

pytestmark = pytest.mark.django_db


def pending_order(when):
    return ticket_at(
        when, channel="whatsapp", kind="phone", sender="+6281234567890", category_slug="order-pending"
    )


# --- Order pending after payment ------------------------------------------------------------------------


def test_a_pending_order_waits_fifteen_minutes_then_needs_an_agent():
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    wait = clock(ticket, "pending_wait")
    assert wait.policy.name == "Order pending after payment"
    assert local(wait.due_at) == wib(2025, 11, 14, 22, 15)  # calendar time, even out of hours
    assert local(wait.warn_at) == wib(2025, 11, 14, 22, 10)
    assert not SlaClock.objects.filter(ticket=ticket, target="operator_resolution").exists()
    assert sweep_at(wib(2025, 11, 14, 22, 11)).warned == 1
    assert sweep_at(wib(2025, 11, 14, 22, 16)).breached == 1
    assert SlaBreach.objects.get(ticket=ticket).target == "pending_wait"


def test_an_order_that_goes_through_within_the_wait_meets_it(personas):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 9)):
        actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    assert clock(ticket, "pending_wait").met_on_time
    assert sweep_at(wib(2025, 11, 14, 23, 0)).candidates == 0


def test_an_operator_disruption_gives_the_ticket_one_times_twenty_four_hours_that_hold_does_not_pause(
    personas,
):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 20)):
        actions.change_status(
            ticket, status=Status.ON_HOLD, hold_reason=HoldReason.OPERATOR, by=personas.agent
        )
    operator = clock(ticket, "operator_resolution")
    assert local(operator.started_at) == wib(2025, 11, 14, 22, 20)
    assert local(operator.due_at) == wib(2025, 11, 15, 22, 20)
    assert local(operator.warn_at) == wib(2025, 11, 15, 17, 32)  # 80 % of 24 h
    assert operator.paused_at is None  # the disruption window runs while the ticket is on hold
    assert sweep_at(wib(2025, 11, 15, 17, 33)).warned == 1
    assert sweep_at(wib(2025, 11, 15, 22, 21)).breached == 1
    assert set(SlaBreach.objects.filter(ticket=ticket).values_list("target", flat=True)) == {
        "pending_wait",
        "operator_resolution",
    }


def test_waiting_on_the_customer_pauses_the_pending_order_wait(personas):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 5)):
        actions.reply(ticket, by=personas.agent, text="Mohon kirim bukti transfer", status=Status.PENDING)
    assert clock(ticket, "pending_wait").due_at is None
    assert sweep_at(wib(2025, 11, 14, 22, 20)).breached == 0
    with frozen(wib(2025, 11, 14, 22, 35)):
        actions.receive_message(
            inbound("Ini buktinya", channel="whatsapp", kind="phone", sender="+6281234567890")
        )
    assert local(clock(ticket, "pending_wait").due_at) == wib(2025, 11, 14, 22, 45)
    assert sweep_at(wib(2025, 11, 14, 22, 46)).breached == 1


# --- Buyer–seller disputes: 3-day window, then 3 days for evidence and a decision within 5 days ------------


def dispute(when):
    return ticket_at(when, channel="email", category_slug="dispute")


def test_a_dispute_has_a_three_day_buyer_seller_window_with_a_warning():
    ticket = dispute(wib(2025, 11, 10, 9, 0))
    window = clock(ticket, "dispute_window")
    assert local(window.due_at) == wib(2025, 11, 13, 9, 0)
    assert local(window.warn_at) == wib(2025, 11, 12, 18, 36)  # 80 % of 72 h
    # The platform windows are planned from the end of the buyer–seller window.
    assert local(clock(ticket, "dispute_evidence").started_at) == wib(2025, 11, 13, 9, 0)
    assert local(clock(ticket, "dispute_evidence").due_at) == wib(2025, 11, 16, 9, 0)
    assert local(clock(ticket, "dispute_decision").due_at) == wib(2025, 11, 18, 9, 0)


def test_an_unresolved_dispute_breaches_its_window_then_its_evidence_and_decision_deadlines():
    ticket = dispute(wib(2025, 11, 10, 9, 0))
    assert sweep_at(wib(2025, 11, 12, 18, 37)).warned == 1
    assert sweep_at(wib(2025, 11, 13, 9, 1)).breached == 1
    assert sweep_at(wib(2025, 11, 16, 9, 1)).breached == 1
    assert sweep_at(wib(2025, 11, 18, 9, 1)).breached == 1
    assert list(
        SlaBreach.objects.filter(ticket=ticket).order_by("due_at").values_list("target", flat=True)
    ) == [
        "dispute_window",
        "dispute_evidence",
        "dispute_decision",
    ]


def test_a_dispute_settled_between_buyer_and_seller_needs_no_platform_windows(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0))
    with frozen(wib(2025, 11, 12, 12, 0)):
        actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    assert clock(ticket, "dispute_window").met_on_time
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("target", flat=True)) == {"dispute_window"}


def test_dispute_windows_are_fixed_deadlines_that_waiting_on_the_customer_does_not_pause(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0))
    with frozen(wib(2025, 11, 11, 9, 0)):
        actions.change_status(ticket, status=Status.PENDING, by=personas.agent)
    assert local(clock(ticket, "dispute_window").due_at) == wib(2025, 11, 13, 9, 0)
    with frozen(wib(2025, 11, 12, 9, 0)):
        actions.change_status(ticket, status=Status.OPEN, by=personas.agent)
    assert local(clock(ticket, "dispute_window").due_at) == wib(2025, 11, 13, 9, 0)
    assert clock(ticket, "dispute_window").paused_business_seconds == 0
    assert sweep_at(wib(2025, 11, 13, 9, 1)).breached == 1
