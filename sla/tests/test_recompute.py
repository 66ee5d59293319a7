"""Re-evaluating the policy and rebuilding clocks from history when a ticket changes."""

from __future__ import annotations

import datetime as dt

import pytest

from sla.clocks import CLOCK_FIELDS, recompute
from sla.models import BusinessCalendar, OpeningHours, SlaClock, SlaPolicy, SlaTarget, TeamCalendar
from sla.tests.helpers import clock, frozen, local, sweep_at, ticket_at, wib
from tests.factories import inbound
from tickets import actions
from tickets.models import Category, Contact, Priority, Status

pytestmark = pytest.mark.django_db


def test_changing_the_category_switches_policy_and_recomputes_from_the_ticket_history(personas):
    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email")
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("target", flat=True)) == {"first_response"}
    with frozen(wib(2025, 11, 15, 9, 0)):
        actions.set_category(ticket, category=Category.objects.get(slug="refund"), by=personas.agent)
    # The refund deadline counts from when the ticket opened, not from now; the email's first response
    # stays: each target kind comes from the first policy that matches and has it.
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("target", flat=True)) == {
        "first_response",
        "resolution",
    }
    assert local(clock(ticket, "resolution").due_at) == wib(2025, 11, 16, 14, 0)
    assert clock(ticket, "resolution").policy.name.startswith("Complex reports")
    assert clock(ticket, "first_response").policy.name == "Email"
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 14, 16, 0)


def test_a_met_clock_survives_a_policy_change_as_a_record(personas):
    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email")
    with frozen(wib(2025, 11, 14, 14, 30)):
        actions.reply(ticket, by=personas.agent, text="Kami cek")
        actions.set_category(ticket, category=Category.objects.get(slug="refund"), by=personas.agent)
    assert clock(ticket, "first_response").elapsed_seconds == 30 * 60


def _policy(name, position=5, **conditions):
    policy = SlaPolicy.objects.create(name=name, position=position, **conditions)
    return policy


def test_priority_tier_role_and_team_conditions_pick_the_first_matching_policy(personas):
    urgent = _policy("Urgent VIP buyers", priorities=[Priority.URGENT], contact_tiers=[Contact.Tier.VIP])
    SlaTarget.objects.create(
        policy=urgent,
        key="first_response",
        name="First",
        kind="first_response",
        amount=5,
        unit="minutes",
        clock="calendar",
    )
    sellers = _policy("Seller team", position=6, requester_roles=["seller"])
    sellers.teams.add(personas.team)
    SlaTarget.objects.create(
        policy=sellers,
        key="first_response",
        name="First",
        kind="first_response",
        amount=1,
        unit="hours",
        clock="calendar",
    )

    ticket = ticket_at(wib(2025, 11, 14, 14, 0), channel="email")
    assert clock(ticket, "first_response").policy.name == "Email"
    with frozen(wib(2025, 11, 14, 14, 1)):
        actions.set_priority(ticket, priority=Priority.URGENT, by=personas.agent)
    assert clock(ticket, "first_response").policy.name == "Email"  # the contact is no VIP yet
    Contact.objects.filter(pk=ticket.contact_id).update(tier=Contact.Tier.VIP)
    ticket.refresh_from_db()
    with frozen(wib(2025, 11, 14, 14, 2)):
        actions.set_priority(ticket, priority=Priority.HIGH, by=personas.agent)
        actions.set_priority(ticket, priority=Priority.URGENT, by=personas.agent)
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 14, 14, 5)

    seller_ticket = ticket_at(
        wib(2025, 11, 14, 15, 0), channel="email", sender="toko@example.test", requester_role="seller"
    )
    assert clock(seller_ticket, "first_response").policy.name == "Email"
    with frozen(wib(2025, 11, 14, 15, 10)):
        actions.set_team(seller_ticket, team=personas.team, by=personas.agent)
    assert local(clock(seller_ticket, "first_response").due_at) == wib(2025, 11, 14, 16, 0)


def test_a_team_calendar_is_used_when_the_policy_has_none(personas):
    calendar = BusinessCalendar.objects.create(name="Makassar office", time_zone="Asia/Makassar")
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, day=day, opens=dt.time(9), closes=dt.time(17))
    TeamCalendar.objects.create(team=personas.team, calendar=calendar)
    ticket = ticket_at(wib(2025, 11, 14, 15, 30), channel="email")  # Friday 16.30 WITA
    with frozen(wib(2025, 11, 14, 15, 31)):
        actions.set_team(ticket, team=personas.team, by=personas.agent)
    first = clock(ticket, "first_response")
    assert first.calendar == calendar
    assert local(first.due_at) == wib(2025, 11, 17, 9, 30)  # 30 min Friday, then Monday 09.00 WITA + 1.5 h


def _next_response_policy():
    policy = _policy("Chat with next response", channels=["chat"], position=1)
    calendar = BusinessCalendar.objects.get(name="24/7")
    policy.calendar = calendar
    policy.save()
    for key, kind in (
        ("first_response", "first_response"),
        ("next_response", "next_response"),
        ("resolution", "resolution"),
    ):
        SlaTarget.objects.create(
            policy=policy, key=key, name=key, kind=kind, amount=10, unit="minutes", clock="business"
        )
    return policy


def chat(text, when):
    with frozen(when):
        return actions.receive_message(inbound(text, channel="chat", kind="chat", sender="visitor-1")).ticket


def test_each_customer_message_after_a_reply_starts_a_new_next_response_cycle(personas):
    _next_response_policy()
    ticket = chat("Halo", wib(2025, 11, 14, 10, 0))
    chat("Ada orang?", wib(2025, 11, 14, 10, 1))  # still covered by the first response clock
    assert not SlaClock.objects.filter(ticket=ticket, target="next_response").exists()
    with frozen(wib(2025, 11, 14, 10, 3)):
        actions.reply(ticket, by=personas.agent, text="Halo, ada yang bisa dibantu?")
    chat("Pesanan saya", wib(2025, 11, 14, 10, 5))
    chat("INV/123", wib(2025, 11, 14, 10, 6))
    first_cycle = clock(ticket, "next_response", 1)
    assert local(first_cycle.started_at) == wib(2025, 11, 14, 10, 5)
    assert local(first_cycle.due_at) == wib(2025, 11, 14, 10, 15)
    with frozen(wib(2025, 11, 14, 10, 8)):
        actions.reply(ticket, by=personas.agent, text="Kami cek")
    chat("Terima kasih", wib(2025, 11, 14, 10, 20))
    assert clock(ticket, "next_response", 1).met_on_time
    assert local(clock(ticket, "next_response", 2).due_at) == wib(2025, 11, 14, 10, 30)
    assert sweep_at(wib(2025, 11, 14, 10, 31)).breached == 2  # the second reply and the resolution


def test_a_reopened_ticket_gets_a_new_resolution_cycle(personas):
    _next_response_policy()
    ticket = chat("Halo", wib(2025, 11, 14, 10, 0))
    with frozen(wib(2025, 11, 14, 10, 5)):
        actions.reply(ticket, by=personas.agent, text="Sudah beres", status=Status.RESOLVED)
    assert clock(ticket, "resolution", 1).met_on_time
    chat("Ternyata belum", wib(2025, 11, 14, 11, 0))
    second = clock(ticket, "resolution", 2)
    assert local(second.started_at) == wib(2025, 11, 14, 11, 0)
    assert local(second.due_at) == wib(2025, 11, 14, 11, 10)
    # The message after the resolution waits for an answer too.
    assert local(clock(ticket, "next_response", 1).started_at) == wib(2025, 11, 14, 11, 0)


def test_a_merged_ticket_drops_its_running_clocks_and_the_target_ticket_keeps_its_own(personas):
    first = ticket_at(wib(2025, 11, 14, 10, 0), channel="email", sender="a@example.test")
    second = ticket_at(wib(2025, 11, 14, 10, 5), channel="email", sender="b@example.test")
    with frozen(wib(2025, 11, 14, 10, 10)):
        actions.merge(second, into=first, by=personas.agent)
    assert not SlaClock.objects.filter(ticket=second).exists()
    assert local(clock(first, "first_response").due_at) == wib(2025, 11, 14, 12, 0)


def test_assigning_an_agent_leaves_the_clocks_alone(personas, django_assert_max_num_queries):
    ticket = ticket_at(wib(2025, 11, 14, 10, 0), channel="email")
    before = clock(ticket, "first_response").updated_at
    with django_assert_max_num_queries(8):
        actions.assign(ticket, agent=personas.agent, by=personas.agent)
    assert clock(ticket, "first_response").updated_at == before


def test_recomputing_a_ticket_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    ticket = ticket_at(wib(2025, 11, 14, 10, 0), channel="email")
    for minute in range(1, 6):
        with frozen(wib(2025, 11, 14, 10, minute)):
            actions.add_note(ticket, by=personas.agent, text=f"catatan {minute}")
            actions.change_status(
                ticket, status=Status.PENDING if minute % 2 else Status.OPEN, by=personas.agent
            )
    ticket.refresh_from_db()
    # The configuration comes from the per-process cache: its version token, the history (2), the clocks.
    with django_assert_max_num_queries(4):
        recompute(ticket, reason="status")


def test_a_calendar_that_never_opens_is_logged_and_the_customer_message_is_kept(personas, caplog):
    TeamCalendar.objects.create(team=personas.team, calendar=BusinessCalendar.objects.create(name="Empty"))
    ticket = ticket_at(wib(2025, 11, 14, 10, 0), channel="email", team_slug="buyers")
    assert ticket.messages.count() == 1
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    assert "calendar Empty cannot answer" in caplog.text


def test_changing_the_channel_chooses_the_policies_again(personas):
    ticket = ticket_at(wib(2025, 11, 17, 10, 0), channel="phone", kind="phone", sender="+6281234567890")
    assert clock(ticket, "first_response").policy.is_default
    with frozen(wib(2025, 11, 17, 10, 2)):
        actions.set_channel(ticket, channel="whatsapp", by=personas.agent)
    first = clock(ticket, "first_response")
    assert first.policy.name == "Live chat and WhatsApp"
    assert local(first.due_at) == wib(2025, 11, 17, 10, 15)  # 15 minutes from the ticket's creation
    event = ticket.events.get(kind="channel")
    assert (event.before, event.after, event.actor) == ("phone", "whatsapp", personas.agent)


def test_the_channel_can_be_corrected_through_the_api(client, personas):
    ticket = ticket_at(wib(2025, 11, 17, 10, 0), channel="email")
    client.force_login(personas.agent)
    with frozen(wib(2025, 11, 17, 10, 1)):
        response = client.patch(
            f"/api/tickets/{ticket.pk}/", {"channel": "chat"}, content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert clock(ticket, "first_response").policy.name == "Live chat and WhatsApp"


def _clock_rows(ticket):
    fields = ("target", "cycle", "updated_at", *CLOCK_FIELDS, "warned_at", "breached_at")
    return list(SlaClock.objects.filter(ticket=ticket).order_by("target", "cycle").values_list(*fields))


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"is_automatic": True},
        {"channel": "chat", "kind": "chat", "sender": "visitor-9"},
        {"category_slug": "refund"},
        {"category_slug": "card-fraud"},  # escalated at once: its own recompute follows
        {"team_slug": "buyers"},
    ],
    ids=["email", "automatic", "chat", "refund", "security", "team-calendar"],
)
def test_a_new_ticket_gets_the_clocks_its_history_gives(personas, message):
    """receive_message skips reading back a new ticket's history and clocks: what it writes is what a
    recompute from the stored history writes (that recompute then changes nothing)."""
    _next_response_policy()
    TeamCalendar.objects.create(team=personas.team, calendar=BusinessCalendar.objects.get(name="24/7"))
    ticket = ticket_at(wib(2025, 11, 14, 20, 0), **message)
    written = _clock_rows(ticket)
    assert written
    ticket.refresh_from_db()
    with frozen(wib(2025, 11, 14, 20, 1)):
        recompute(ticket, reason="check")
    assert _clock_rows(ticket) == written
