"""WhatsApp's 24-hour customer-service window, checked before a reply is stored."""

import datetime as dt

import pytest

from channels_intake.accounts import WhatsAppTemplate
from channels_intake.models import InboundEvent
from channels_intake.policy import window_closes_at
from channels_intake.processing import run
from channels_intake.tests.support import fixture_bytes, whatsapp_number
from tickets import actions
from tickets.models import DeliveryStatus, Direction, Message, Ticket

pytestmark = pytest.mark.django_db
CUSTOMER_WROTE = dt.datetime(2024, 11, 22, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ticket(personas, time_machine):
    number = whatsapp_number(team=personas.team)
    time_machine.move_to(CUSTOMER_WROTE, tick=False)
    run(
        InboundEvent.objects.create(
            channel="whatsapp", account=number.slug, body=fixture_bytes("whatsapp", "text")
        ).pk
    )
    return Ticket.objects.get()


def outbound():
    return Message.objects.filter(direction=Direction.OUTBOUND)


def test_free_text_is_allowed_at_23_hours_59_minutes(ticket, personas, time_machine, fake_api, run_on_commit):
    time_machine.move_to(CUSTOMER_WROTE + dt.timedelta(hours=23, minutes=59), tick=False)
    message = run_on_commit(actions.reply, ticket, by=personas.agent, text="Masih bisa dibalas")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


def test_free_text_is_refused_at_24_hours_1_minute_and_nothing_is_stored(ticket, personas, time_machine):
    time_machine.move_to(CUSTOMER_WROTE + dt.timedelta(hours=24, minutes=1), tick=False)
    with pytest.raises(actions.ActionError, match="24 hours") as refused:
        actions.reply(ticket, by=personas.agent, text="Sudah terlambat")
    assert "template" in str(refused.value)
    assert not outbound().exists()


def test_a_template_is_allowed_after_the_window(ticket, personas, time_machine, fake_api, run_on_commit):
    template = WhatsAppTemplate.objects.create(name="follow_up", language="id", body="Halo {{1}}, ada kabar?")
    time_machine.move_to(CUSTOMER_WROTE + dt.timedelta(hours=24, minutes=1), tick=False)
    message = run_on_commit(
        actions.send_template, ticket, by=personas.agent, template=template, variables=["Budi"]
    )
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert fake_api.calls("POST", "/messages")[0].json()["type"] == "template"


def test_the_customers_next_message_opens_the_window_again(ticket, personas, time_machine):
    time_machine.move_to(CUSTOMER_WROTE + dt.timedelta(days=2), tick=False)
    body = fixture_bytes("whatsapp", "reply")
    run(InboundEvent.objects.create(channel="whatsapp", account="cs-jakarta", body=body).pk)
    assert window_closes_at(ticket) == CUSTOMER_WROTE + dt.timedelta(days=3)
    actions.reply(ticket, by=personas.agent, text="Baik kak")
    assert outbound().count() == 1


def test_templates_are_only_for_whatsapp(personas):
    from tests.factories import customer_ticket

    template = WhatsAppTemplate(name="x", body="Halo")
    with pytest.raises(actions.ActionError, match="only be sent on WhatsApp"):
        actions.send_template(customer_ticket(), by=personas.agent, template=template, variables=[])
