"""One conversation rule for message channels: which ticket a customer's next message joins.

Newest open ticket of the contact on that channel first; else a ticket resolved within
STREAM_REOPEN_WINDOW_DAYS (reopened); else a new ticket, linked to the newest closed ticket (or one
resolved before the window) of that contact on that channel.
"""

import datetime as dt

import pytest

from tests.factories import customer_ticket
from tickets import actions
from tickets.models import Channel, Status, Ticket

pytestmark = pytest.mark.django_db
START = dt.datetime(2024, 11, 1, 9, 0, tzinfo=dt.UTC)


def whatsapp(text="Halo kak", *, sender="6281234567890", **fields):
    return customer_ticket(text, channel=Channel.WHATSAPP, kind="phone", sender=sender, **fields)


def another_ticket(text="Soal lain"):
    """A second ticket of the same customer on WhatsApp (as an agent's split or a new chat would make)."""
    return whatsapp(text, new_conversation=True)


@pytest.fixture(autouse=True)
def clock(time_machine, settings):
    settings.STREAM_REOPEN_WINDOW_DAYS = 7
    time_machine.move_to(START, tick=False)
    return time_machine


def later(clock, **delta):
    clock.shift(dt.timedelta(**delta))


def test_a_message_joins_the_open_ticket_even_when_a_resolved_one_was_updated_more_recently(clock, personas):
    open_ticket = whatsapp("Pesanan A belum sampai")
    later(clock, hours=1)
    resolved = another_ticket("Pesanan B")
    later(clock, hours=1)
    actions.change_status(resolved, status=Status.RESOLVED, by=personas.agent)
    later(clock, hours=1)
    joined = whatsapp("Ada kabar pesanan A?")
    assert joined.pk == open_ticket.pk
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED and resolved.reopen_count == 0


def test_of_two_open_tickets_the_message_joins_the_most_recently_active_one(clock):
    first = whatsapp("Pesanan A")
    later(clock, hours=1)
    second = another_ticket("Pesanan B")
    later(clock, hours=1)
    assert whatsapp("Dan pesanan B?").pk == second.pk
    first.refresh_from_db()
    assert first.messages.count() == 1


def test_a_ticket_resolved_within_the_window_is_reopened(clock, personas):
    ticket = whatsapp()
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    later(clock, days=6, hours=23)
    assert whatsapp("Masih belum sampai").pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.reopen_count == 1


def test_after_the_window_a_new_ticket_is_linked_to_the_resolved_one(clock, personas):
    ticket = whatsapp()
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    later(clock, days=7, hours=1)
    new = whatsapp("Pesanan lain")
    assert new.pk != ticket.pk and new.previous_ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_a_message_after_a_closed_ticket_starts_a_new_ticket_linked_to_the_old(clock, personas):
    ticket = whatsapp()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    later(clock, hours=1)
    new = whatsapp("Halo lagi")
    assert new.pk != ticket.pk and new.previous_ticket_id == ticket.pk and new.status == Status.NEW


def test_the_new_ticket_links_to_the_newest_of_several_finished_tickets(clock, personas):
    oldest = whatsapp("Pertama")
    actions.change_status(oldest, status=Status.CLOSED, by=personas.agent)
    later(clock, days=1)
    newest = whatsapp("Kedua")
    actions.change_status(newest, status=Status.CLOSED, by=personas.agent)
    later(clock, days=1)
    assert newest.previous_ticket_id == oldest.pk
    assert whatsapp("Ketiga").previous_ticket_id == newest.pk


def test_a_resolved_ticket_within_the_window_wins_over_an_older_closed_one(clock, personas):
    closed = whatsapp("Pertama")
    actions.change_status(closed, status=Status.CLOSED, by=personas.agent)
    later(clock, days=1)
    resolved = whatsapp("Kedua")
    actions.change_status(resolved, status=Status.RESOLVED, by=personas.agent)
    later(clock, days=1)
    assert whatsapp("Ketiga").pk == resolved.pk


def test_tickets_of_another_channel_or_contact_are_never_joined_or_linked(clock, personas):
    email = customer_ticket("Pesanan", other_identities=())
    mine = whatsapp()
    actions.change_status(mine, status=Status.CLOSED, by=personas.agent)
    someone_else = whatsapp("Halo", sender="6281299999999")
    assert someone_else.previous_ticket_id is None and someone_else.pk != mine.pk
    assert email.pk not in {mine.pk, someone_else.pk}
    assert Ticket.objects.filter(channel=Channel.WHATSAPP).count() == 2
