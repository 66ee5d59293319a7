"""The seeded response-time policies end to end with a frozen clock: due times, warning, breach, pauses."""

from __future__ import annotations

import pytest

from sla.models import SlaBreach, SlaWarning
from sla.tests.helpers import clock, frozen, local, sweep_at, ticket_at, wib
from tickets import actions
from tickets.models import Status, TicketEvent

pytestmark = pytest.mark.django_db


# --- Email: first response in 2 working hours, warning 1 hour before -------------------------------------


def test_an_email_on_friday_evening_is_due_saturday_morning_with_a_warning_an_hour_before():
    ticket = ticket_at(wib(2025, 11, 14, 20, 30), channel="email")
    first = clock(ticket, "first_response")
    assert local(first.due_at) == wib(2025, 11, 15, 10, 30)
    assert local(first.warn_at) == wib(2025, 11, 15, 9, 30)
    assert first.policy.name == "Email" and first.calendar.is_default


def test_the_email_clock_warns_then_breaches_once_each_and_tells_the_timeline(monkeypatch):
    calls = []
    monkeypatch.setattr("escalation.hooks.sla_warning", lambda **kw: calls.append(("warning", kw)))
    monkeypatch.setattr("escalation.hooks.sla_breached", lambda **kw: calls.append(("breach", kw)))
    ticket = ticket_at(wib(2025, 11, 14, 20, 30), channel="email")

    assert sweep_at(wib(2025, 11, 15, 9, 29)).warned == 0
    assert sweep_at(wib(2025, 11, 15, 9, 31)).warned == 1
    assert sweep_at(wib(2025, 11, 15, 9, 32)).warned == 0
    assert sweep_at(wib(2025, 11, 15, 10, 31)).breached == 1
    assert sweep_at(wib(2025, 11, 15, 10, 45)).breached == 0

    warning, breach = SlaWarning.objects.get(ticket=ticket), SlaBreach.objects.get(ticket=ticket)
    assert (warning.target, breach.target) == ("first_response", "first_response")
    assert local(breach.due_at) == wib(2025, 11, 15, 10, 30)
    assert calls == [
        ("warning", {"ticket_id": ticket.pk, "target": "first_response", "warning_id": warning.pk}),
        ("breach", {"ticket_id": ticket.pk, "target": "first_response", "breach_id": breach.pk}),
    ]
    sla_events = ticket.events.filter(kind=TicketEvent.Kind.SLA).order_by("created_at")
    assert [e.after["sla"] for e in sla_events] == ["warning", "breach"]
    assert sla_events[1].after["target"] == "first_response"
    assert clock(ticket, "first_response").breached_at is not None


def test_an_email_reply_in_time_meets_the_clock_and_records_the_business_minutes_taken(personas):
    ticket = ticket_at(wib(2025, 11, 14, 20, 30), channel="email")
    with frozen(wib(2025, 11, 15, 9, 15)):
        actions.reply(ticket, by=personas.agent, text="Baik, kami cek.")
    first = clock(ticket, "first_response")
    assert local(first.met_at) == wib(2025, 11, 15, 9, 15)
    assert first.elapsed_seconds == 45 * 60  # 30 min on Friday + 15 min on Saturday
    assert sweep_at(wib(2025, 11, 15, 12, 0)).breached == 0


def test_pending_pauses_the_email_clock_and_moves_the_due_time_by_the_paused_business_time(personas):
    ticket = ticket_at(wib(2025, 11, 14, 20, 30), channel="email")
    with frozen(wib(2025, 11, 15, 10, 0)):
        actions.change_status(ticket, status=Status.PENDING, by=personas.agent)
    paused = clock(ticket, "first_response")
    assert paused.due_at is None and paused.is_paused
    assert paused.remaining_seconds == 30 * 60
    assert sweep_at(wib(2025, 11, 15, 11, 0)).breached == 0  # nothing is due while paused

    with frozen(wib(2025, 11, 15, 19, 0)):  # after Saturday's closing at 17.00: paused 7 business hours
        actions.receive_message(_reply_to(ticket, "Sudah saya kirim datanya"))
    resumed = clock(ticket, "first_response")
    assert resumed.paused_at is None
    assert resumed.paused_business_seconds == 7 * 3600
    assert local(resumed.due_at) == wib(2025, 11, 16, 9, 30)  # 30 business minutes left, Sunday opens 09.00


# --- Live chat and WhatsApp: first response in 15 minutes on the 24/7 calendar, warning 5 minutes before --


@pytest.mark.parametrize("channel", ["chat", "whatsapp"])
def test_a_chat_at_two_in_the_morning_is_due_in_fifteen_minutes_around_the_clock(channel):
    ticket = ticket_at(wib(2026, 3, 21, 2, 0), channel=channel, kind="phone", sender="+6281234567890")
    first = clock(ticket, "first_response")
    assert local(first.due_at) == wib(2026, 3, 21, 2, 15)  # Eid al-Fitr, at night: the 24/7 calendar
    assert local(first.warn_at) == wib(2026, 3, 21, 2, 10)
    assert first.policy.name == "Live chat and WhatsApp"


def test_a_whatsapp_chat_warns_breaches_and_pauses_on_hold(personas):
    ticket = ticket_at(wib(2026, 3, 21, 2, 0), channel="whatsapp", kind="phone", sender="+6281234567890")
    assert sweep_at(wib(2026, 3, 21, 2, 11)).warned == 1
    with frozen(wib(2026, 3, 21, 2, 12)):
        actions.change_status(ticket, status=Status.ON_HOLD, hold_reason="courier", by=personas.agent)
    assert sweep_at(wib(2026, 3, 21, 2, 30)).breached == 0
    with frozen(wib(2026, 3, 21, 3, 12)):
        actions.change_status(ticket, status=Status.OPEN, by=personas.agent)
    assert local(clock(ticket, "first_response").due_at) == wib(2026, 3, 21, 3, 15)
    assert sweep_at(wib(2026, 3, 21, 3, 14)).breached == 0
    assert sweep_at(wib(2026, 3, 21, 3, 16)).breached == 1


# --- Complex reports: resolution in 2 working days -----------------------------------------------------


def test_a_refund_report_must_be_resolved_in_two_working_days_and_warns_at_eighty_percent():
    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email", category_slug="refund")
    resolution = clock(ticket, "resolution")
    assert resolution.policy.name.startswith("Complex reports")
    # Every day opens on the preset, so two working days later is Sunday at the same time.
    assert local(resolution.due_at) == wib(2025, 11, 16, 14, 0)
    # 20 business hours in all (Fri 7, Sat 8, Sun 5); 80 % = 16 h: Sunday 10.00.
    assert local(resolution.warn_at) == wib(2025, 11, 16, 10, 0)
    assert sweep_at(wib(2025, 11, 16, 10, 1)).warned == 1
    assert sweep_at(wib(2025, 11, 16, 14, 1)).breached == 1


def test_a_return_claim_on_hold_for_the_seller_moves_its_resolution_due_time(personas):
    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email", category_slug="return-exchange")
    with frozen(wib(2025, 11, 15, 10, 0)):
        actions.change_status(ticket, status=Status.ON_HOLD, hold_reason="seller", by=personas.agent)
    with frozen(wib(2025, 11, 15, 12, 0)):
        actions.change_status(ticket, status=Status.OPEN, by=personas.agent)
    assert local(clock(ticket, "resolution").due_at) == wib(2025, 11, 16, 16, 0)
    with frozen(wib(2025, 11, 16, 15, 0)):
        actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    done = clock(ticket, "resolution")
    assert done.met_on_time
    assert done.elapsed_seconds == (7 + 8 + 6 - 2) * 3600  # business hours, the pause left out
    assert sweep_at(wib(2025, 11, 16, 17, 0)).breached == 0


# --- Default policy: first response within 1 working day ----------------------------------------------


def test_a_phone_ticket_falls_back_to_the_default_policy(personas):
    with frozen(wib(2025, 11, 17, 10, 0)):
        received = actions.log_phone_call(
            by=personas.agent, phone="+6281234567890", name="Budi", subject="Tanya", text="Halo"
        )
    first = clock(received.ticket, "first_response")
    assert first.policy.is_default
    assert local(first.due_at) == wib(2025, 11, 18, 10, 0)
    assert sweep_at(wib(2025, 11, 18, 10, 1)).breached == 1


def _reply_to(ticket, text):
    from tests.factories import inbound

    return inbound(text, references=(ticket.messages.first().external_id,))


# --- Wrong item received: a complex report too ----------------------------------------------------------


def test_a_wrong_item_report_gets_two_working_days_and_the_email_first_response():
    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email", category_slug="wrong-item")
    assert ticket.category.name_id == "Barang salah kirim"
    assert clock(ticket, "resolution").policy.name.startswith("Complex reports")
    assert local(clock(ticket, "resolution").due_at) == wib(2025, 11, 16, 14, 0)
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 14, 16, 0)


def test_a_whatsapp_refund_keeps_its_fifteen_minute_first_response():
    ticket = ticket_at(
        wib(2026, 3, 21, 2, 0),
        channel="whatsapp",
        kind="phone",
        sender="+6281234567890",
        category_slug="refund",
    )
    assert local(clock(ticket, "first_response").due_at) == wib(2026, 3, 21, 2, 15)
    assert clock(ticket, "resolution").policy.name.startswith("Complex reports")
