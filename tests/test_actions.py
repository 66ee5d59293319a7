import pytest

from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.models import Channel, DeliveryStatus, Status, TicketEvent

pytestmark = pytest.mark.django_db


def test_a_customer_message_opens_a_ticket_with_an_event_trail():
    received = actions.receive_message(inbound("Halo, pesanan saya INV/20240101/MPL/3612345678 belum sampai"))
    assert received.created_ticket
    ticket = received.ticket
    assert ticket.status == Status.NEW
    assert ticket.contact.email == "budi@example.test"
    assert [e.kind for e in ticket.events.all()] == [TicketEvent.Kind.CREATED, TicketEvent.Kind.MESSAGE]
    assert "inv/20240101/mpl/3612345678" in ticket.search_text


def test_the_same_external_id_twice_stores_one_message():
    message = inbound(external_id="<dup@example.test>")
    first = actions.receive_message(message)
    second = actions.receive_message(message)
    assert second.duplicate and second.message.pk == first.message.pk
    assert first.ticket.messages.count() == 1


def test_a_customer_message_reopens_a_resolved_ticket(personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    actions.receive_message(inbound("Masih belum sampai", references=(ticket.messages.first().external_id,)))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.resolved_at is None


def test_a_message_to_a_closed_ticket_opens_a_new_linked_ticket(personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    received = actions.receive_message(inbound("Lagi", references=(ticket.messages.first().external_id,)))
    assert received.created_ticket
    assert received.ticket.previous_ticket_id == ticket.pk


def test_an_illegal_transition_is_refused_with_a_clear_error(personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    with pytest.raises(actions.ActionError, match="cannot move"):
        actions.change_status(ticket, status=Status.OPEN, by=personas.agent)


def test_an_agent_reply_is_sent_by_email_and_records_the_first_response(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = customer_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.reply(ticket, by=personas.agent, text="Baik, kami cek dulu ya.")
    ticket.refresh_from_db()
    message.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.status == Status.OPEN
    assert message.delivery_status == DeliveryStatus.SENT
    reply = mailoutbox[-1]
    assert reply.to == ["budi@example.test"]
    assert f"[{ticket.reference}]" in reply.subject
    assert reply.extra_headers["In-Reply-To"] == ticket.messages.first().external_id


def test_whatsapp_messages_from_the_same_contact_join_the_open_ticket():
    first = actions.receive_message(
        inbound("halo", channel=Channel.WHATSAPP, kind="phone", sender="6281234567890", external_id="wamid.1")
    )
    second = actions.receive_message(
        inbound(
            "pesanan saya",
            channel=Channel.WHATSAPP,
            kind="phone",
            sender="+62 812-3456-7890",
            external_id="wamid.2",
        )
    )
    assert second.ticket.pk == first.ticket.pk
    assert first.ticket.contact.phone == "+6281234567890"


def test_merge_moves_the_conversation_and_closes_the_source(personas):
    email_ticket = customer_ticket("email")
    wa_ticket = actions.receive_message(
        inbound("wa", channel=Channel.WHATSAPP, kind="phone", sender="081234567890", external_id="wamid.x")
    ).ticket
    actions.merge(wa_ticket, into=email_ticket, by=personas.agent)
    wa_ticket.refresh_from_db()
    assert wa_ticket.status == Status.CLOSED and wa_ticket.merged_into_id == email_ticket.pk
    assert email_ticket.messages.count() == 2
