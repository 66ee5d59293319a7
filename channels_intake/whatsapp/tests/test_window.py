"""WhatsApp's 24-hour customer-service window, checked before a reply is stored.

Meta counts the window from when the customer sent their message (the webhook's ``timestamp``), not
from when we happened to process it: the fixtures' messages were sent at SENT, and we pick them up an
hour later (PROCESSED), as after a short outage.
"""

import datetime as dt
import json

import pytest

from channels_intake.accounts import WhatsAppNumber, WhatsAppTemplate
from channels_intake.models import InboundEvent
from channels_intake.policy import last_customer_message_at, window_closes_at
from channels_intake.processing import run
from channels_intake.tests.support import fixture, fixture_bytes, whatsapp_number
from tickets import actions
from tickets.models import DeliveryStatus, Direction, Message, Ticket

pytestmark = pytest.mark.django_db
SENT = dt.datetime(2024, 11, 22, 8, 0, tzinfo=dt.UTC)  # the fixtures' "timestamp": "1732262400"
PROCESSED = SENT + dt.timedelta(hours=1)


def event_body(*, sent: dt.datetime, wamid: str, phone_number_id: str = "106540352242922") -> bytes:
    payload = fixture("whatsapp", "text")
    value = payload["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    value["messages"][0].update({"id": wamid, "timestamp": str(int(sent.timestamp()))})
    return json.dumps(payload).encode()


def receive(body: bytes, account: str = "cs-jakarta") -> None:
    run(InboundEvent.objects.create(channel="whatsapp", account=account, body=body).pk)


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


@pytest.fixture
def ticket(number, time_machine):
    assert json.loads(fixture_bytes("whatsapp", "text"))["entry"][0]["changes"][0]["value"]["messages"][0][
        "timestamp"
    ] == str(int(SENT.timestamp()))
    time_machine.move_to(PROCESSED, tick=False)
    receive(fixture_bytes("whatsapp", "text"))
    return Ticket.objects.get()


def outbound():
    return Message.objects.filter(direction=Direction.OUTBOUND)


def test_the_window_counts_from_when_the_customer_sent_the_message_not_when_we_processed_it(ticket):
    assert last_customer_message_at(ticket) == SENT
    assert window_closes_at(ticket) == SENT + dt.timedelta(hours=24)


def test_free_text_is_allowed_at_23_hours_59_minutes(ticket, personas, time_machine, fake_api, run_on_commit):
    time_machine.move_to(SENT + dt.timedelta(hours=23, minutes=59), tick=False)
    message = run_on_commit(actions.reply, ticket, by=personas.agent, text="Masih bisa dibalas")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


def test_free_text_is_refused_at_24_hours_1_minute_and_nothing_is_stored(ticket, personas, time_machine):
    # Only 23h01 after we processed the message, but 24h01 after the customer sent it.
    time_machine.move_to(SENT + dt.timedelta(hours=24, minutes=1), tick=False)
    with pytest.raises(actions.ActionError, match="24 hours") as refused:
        actions.reply(ticket, by=personas.agent, text="Sudah terlambat")
    assert "template" in str(refused.value)
    assert not outbound().exists()


def test_a_late_event_picked_up_after_an_outage_does_not_reopen_the_window(ticket, personas, time_machine):
    """A message sent 30 hours ago, stored and processed only now, leaves the window closed."""
    time_machine.move_to(SENT + dt.timedelta(hours=31), tick=False)
    receive(event_body(sent=SENT + dt.timedelta(hours=1), wamid="wamid.LATE1"))
    assert ticket.messages.filter(direction=Direction.INBOUND).count() == 2
    assert window_closes_at(ticket) == SENT + dt.timedelta(hours=25)
    with pytest.raises(actions.ActionError, match="24 hours"):
        actions.reply(ticket, by=personas.agent, text="Halo kak")


def test_an_event_older_than_the_newest_message_does_not_move_the_window_back(ticket, time_machine):
    time_machine.move_to(SENT + dt.timedelta(hours=3), tick=False)
    receive(event_body(sent=SENT + dt.timedelta(hours=2), wamid="wamid.NEWER"))
    receive(event_body(sent=SENT + dt.timedelta(minutes=30), wamid="wamid.OLDER"))  # overtaken in transit
    assert last_customer_message_at(ticket) == SENT + dt.timedelta(hours=2)


def test_a_template_is_allowed_after_the_window(ticket, personas, time_machine, fake_api, run_on_commit):
    template = WhatsAppTemplate.objects.create(name="follow_up", language="id", body="Halo {{1}}, ada kabar?")
    time_machine.move_to(SENT + dt.timedelta(hours=24, minutes=1), tick=False)
    message = run_on_commit(
        actions.send_template, ticket, by=personas.agent, template=template, variables=["Budi"]
    )
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert fake_api.calls("POST", "/messages")[0].json()["type"] == "template"


def test_the_customers_next_message_opens_the_window_again(ticket, personas, time_machine):
    time_machine.move_to(SENT + dt.timedelta(days=2, minutes=5), tick=False)
    receive(event_body(sent=SENT + dt.timedelta(days=2), wamid="wamid.AGAIN"))
    assert window_closes_at(ticket) == SENT + dt.timedelta(days=3)
    actions.reply(ticket, by=personas.agent, text="Baik kak")
    assert outbound().count() == 1


def test_a_message_to_another_business_number_does_not_open_this_numbers_window(
    ticket, personas, time_machine, settings
):
    """WhatsApp's window is per business number and customer: writing to our other number is no answer."""
    from tickets.models import Status

    settings.STREAM_REOPEN_WINDOW_DAYS = 0  # the message to the other number opens a ticket of its own
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    whatsapp_number(name="CS Surabaya", slug="cs-surabaya", phone_number_id="106540352200001")
    time_machine.move_to(SENT + dt.timedelta(days=2, minutes=1), tick=False)
    receive(
        event_body(sent=SENT + dt.timedelta(days=2), wamid="wamid.OTHER", phone_number_id="106540352200001")
    )
    other = Ticket.objects.exclude(pk=ticket.pk).get()
    assert window_closes_at(other) == SENT + dt.timedelta(days=3)
    assert window_closes_at(ticket) == SENT + dt.timedelta(hours=24)
    with pytest.raises(actions.ActionError, match="24 hours"):
        actions.reply(ticket, by=personas.agent, text="Halo kak")


def test_templates_are_only_for_whatsapp(personas):
    from tests.factories import customer_ticket

    template = WhatsAppTemplate(name="x", body="Halo")
    with pytest.raises(actions.ActionError, match="only be sent on WhatsApp"):
        actions.send_template(customer_ticket(), by=personas.agent, template=template, variables=[])


def test_a_template_may_exist_once_for_every_number_and_once_per_number():
    from django.db import IntegrityError, transaction

    WhatsAppTemplate.objects.create(name="follow_up", language="id", body="Halo")
    with pytest.raises(IntegrityError), transaction.atomic():
        WhatsAppTemplate.objects.create(name="follow_up", language="id", body="Halo lagi")
    number = WhatsAppNumber.objects.create(
        name="n", slug="n", phone_number_id="1", access_token="t", app_secret="s", verify_token="v"
    )
    WhatsAppTemplate.objects.create(number=number, name="follow_up", language="id", body="Halo")
    with pytest.raises(IntegrityError), transaction.atomic():
        WhatsAppTemplate.objects.create(number=number, name="follow_up", language="id", body="Halo")
    WhatsAppTemplate.objects.create(name="follow_up", language="en", body="Hello")
