"""The seeded window policies end to end: the pending-order wait with operator disruptions, and disputes."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.models import Escalation, EscalationRule
from escalation.requests import request_dispute_help
from sla.models import SlaBreach, SlaClock
from sla.tests.helpers import clock, frozen, local, sweep_at, ticket_at, wib
from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.links import status_url
from tickets.models import HoldReason, Status

pytestmark = pytest.mark.django_db


def pending_order(when):
    return ticket_at(
        when, channel="whatsapp", kind="phone", sender="+6281234567890", category_slug="order-pending"
    )


# --- Order pending after payment: the customer waits 15 minutes, then the channel's first response runs ----


def test_a_pending_order_waits_fifteen_minutes_then_needs_an_agent():
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    wait = clock(ticket, "pending_wait")
    assert wait.policy.name == "Order pending after payment" and wait.is_wait
    # The wait ends at 22.15 in calendar time, even out of hours; nobody is late during it.
    assert local(wait.due_at) == local(wait.met_at) == wib(2025, 11, 14, 22, 15)
    assert wait.warn_at is None
    first = clock(ticket, "first_response")
    assert first.policy.name == "Live chat and WhatsApp"  # the channel's policy supplies the response
    assert local(first.started_at) == wib(2025, 11, 14, 22, 15)
    assert local(first.due_at) == wib(2025, 11, 14, 22, 30)
    assert not SlaClock.objects.filter(ticket=ticket, target="operator_resolution").exists()
    assert sweep_at(wib(2025, 11, 14, 22, 14)).candidates == 0
    assert sweep_at(wib(2025, 11, 14, 22, 16)).candidates == 0  # the wait is over: no breach of it
    assert sweep_at(wib(2025, 11, 14, 22, 26)).warned == 1
    assert sweep_at(wib(2025, 11, 14, 22, 31)).breached == 1
    assert SlaBreach.objects.get(ticket=ticket).target == "first_response"


def test_a_pending_order_by_email_gets_the_email_first_response_after_the_wait():
    ticket = ticket_at(wib(2025, 11, 17, 9, 0), channel="email", category_slug="order-pending")
    first = clock(ticket, "first_response")
    assert first.policy.name == "Email"
    assert local(first.started_at) == wib(2025, 11, 17, 9, 15)
    assert local(first.due_at) == wib(2025, 11, 17, 11, 15)  # 2 working hours after the wait


def test_an_agent_who_answers_during_the_wait_leaves_no_first_response_clock(personas):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 5)):
        actions.reply(ticket, by=personas.agent, text="Pembayaran sedang kami cek")
    assert not SlaClock.objects.filter(ticket=ticket, target="first_response").exists()
    assert sweep_at(wib(2025, 11, 14, 23, 0)).candidates == 0


def test_an_order_that_goes_through_within_the_wait_ends_it_early(personas):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 9)):
        actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    assert local(clock(ticket, "pending_wait").met_at) == wib(2025, 11, 14, 22, 9)
    assert not SlaClock.objects.filter(ticket=ticket, target="first_response").exists()
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
    assert clock(ticket, "first_response").is_paused  # the chat policy's response waits on hold
    assert sweep_at(wib(2025, 11, 15, 17, 33)).warned == 1
    assert sweep_at(wib(2025, 11, 15, 22, 21)).breached == 1
    assert set(SlaBreach.objects.filter(ticket=ticket).values_list("target", flat=True)) == {
        "operator_resolution"
    }


def test_waiting_on_the_customer_pauses_the_pending_order_wait(personas):
    ticket = pending_order(wib(2025, 11, 14, 22, 0))
    with frozen(wib(2025, 11, 14, 22, 5)):
        actions.reply(ticket, by=personas.agent, text="Mohon kirim bukti transfer", status=Status.PENDING)
    wait = clock(ticket, "pending_wait")
    assert wait.due_at is None and wait.met_at is None and wait.is_paused
    with frozen(wib(2025, 11, 14, 22, 35)):
        actions.receive_message(
            inbound("Ini buktinya", channel="whatsapp", kind="phone", sender="+6281234567890")
        )
    assert local(clock(ticket, "pending_wait").due_at) == wib(2025, 11, 14, 22, 45)
    assert sweep_at(wib(2025, 11, 14, 22, 46)).breached == 0


# --- Buyer–seller disputes: 3-day window; from "Minta Bantuan", 3 days for evidence, 5 for a decision -------


def dispute(when, personas):
    ticket = ticket_at(when, channel="email", category_slug="dispute")
    with frozen(when + dt.timedelta(minutes=30)):  # answered: only the dispute windows are left to watch
        actions.reply(ticket, by=personas.agent, text="Kami bantu mediasi")
    return ticket


def ask_for_help(ticket, when):
    with frozen(when):
        request_dispute_help(ticket, text="Penjual tidak merespons")


def test_a_dispute_has_a_three_day_buyer_seller_window_with_a_warning(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0), personas)
    window = clock(ticket, "dispute_window")
    assert local(window.due_at) == wib(2025, 11, 13, 9, 0)
    assert local(window.warn_at) == wib(2025, 11, 12, 18, 36)  # 80 % of 72 h
    assert clock(ticket, "first_response").policy.name == "Email"  # the channel's response still counts
    # The platform's windows wait for the customer to ask for help.
    assert not SlaClock.objects.filter(ticket=ticket, target__in=["dispute_evidence", "dispute_decision"])


def test_the_evidence_and_decision_windows_start_when_the_customer_asks_for_platform_help(personas):
    # The request alone starts them: no rule changes the ticket (priority, team) on the way.
    EscalationRule.objects.filter(trigger="dispute").update(raise_priority="", reassign=False)
    ticket = dispute(wib(2025, 11, 10, 9, 0), personas)
    ask_for_help(ticket, wib(2025, 11, 14, 10, 0))  # a day after the window ran out
    evidence, decision = clock(ticket, "dispute_evidence"), clock(ticket, "dispute_decision")
    assert local(evidence.started_at) == wib(2025, 11, 14, 10, 0)
    assert local(evidence.due_at) == wib(2025, 11, 17, 10, 0)
    assert local(decision.due_at) == wib(2025, 11, 19, 10, 0)  # 5 days from the request
    # Escalation promises the customer the same dates.
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.evidence_due, escalation.decision_due) == (evidence.due_at, decision.due_at)


def test_an_unresolved_dispute_breaches_its_window_then_its_evidence_and_decision_deadlines(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0), personas)
    assert sweep_at(wib(2025, 11, 12, 18, 37)).warned == 1
    assert sweep_at(wib(2025, 11, 13, 9, 1)).breached == 1
    ask_for_help(ticket, wib(2025, 11, 13, 12, 0))
    assert sweep_at(wib(2025, 11, 16, 12, 1)).breached == 1
    assert sweep_at(wib(2025, 11, 18, 12, 1)).breached == 1
    assert list(
        SlaBreach.objects.filter(ticket=ticket).order_by("due_at").values_list("target", flat=True)
    ) == [
        "dispute_window",
        "dispute_evidence",
        "dispute_decision",
    ]


def test_a_dispute_settled_between_buyer_and_seller_needs_no_platform_windows(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0), personas)
    with frozen(wib(2025, 11, 12, 12, 0)):
        actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    assert clock(ticket, "dispute_window").met_on_time
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("target", flat=True)) == {
        "dispute_window",
        "first_response",
    }
    assert sweep_at(wib(2025, 11, 20, 12, 0)).candidates == 0


def test_dispute_windows_are_fixed_deadlines_that_waiting_on_the_customer_does_not_pause(personas):
    ticket = dispute(wib(2025, 11, 10, 9, 0), personas)
    with frozen(wib(2025, 11, 11, 9, 0)):
        actions.change_status(ticket, status=Status.PENDING, by=personas.agent)
    assert local(clock(ticket, "dispute_window").due_at) == wib(2025, 11, 13, 9, 0)
    with frozen(wib(2025, 11, 12, 9, 0)):
        actions.change_status(ticket, status=Status.OPEN, by=personas.agent)
    assert local(clock(ticket, "dispute_window").due_at) == wib(2025, 11, 13, 9, 0)
    assert clock(ticket, "dispute_window").paused_business_seconds == 0
    assert sweep_at(wib(2025, 11, 13, 9, 1)).breached == 1


def test_the_customer_is_told_to_wait_fifteen_minutes_in_the_acknowledgement_and_on_the_status_page(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with frozen(wib(2025, 11, 17, 9, 0)), django_capture_on_commit_callbacks(execute=True):
        ticket = customer_ticket(channel="email", category_slug="order-pending")
    (ack,) = mailoutbox  # in Indonesian, the customer's language
    assert "mohon tunggu hingga pukul 09:15" in ack.body
    assert "di luar jam kerja" not in ack.body  # no out-of-hours notice on top of the wait
    with frozen(wib(2025, 11, 17, 9, 5)):
        page = client.get(status_url(ticket, absolute=False)).content.decode()
    assert "mohon tunggu hingga pukul 09:15" in page  # the status page speaks the customer's language too
    with frozen(wib(2025, 11, 17, 9, 20)):  # the wait is over: an agent has it now
        page = client.get(status_url(ticket, absolute=False)).content.decode()
    assert "mohon tunggu" not in page


def test_other_tickets_are_acknowledged_without_a_wait(mailoutbox, django_capture_on_commit_callbacks):
    with frozen(wib(2025, 11, 17, 9, 0)), django_capture_on_commit_callbacks(execute=True):
        customer_ticket(channel="email", category_slug="refund")
    assert "mohon tunggu" not in mailoutbox[0].body
