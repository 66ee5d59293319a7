"""The desk composer on WhatsApp: the 24-hour window shown, approved templates sent after it closed.

On-commit callbacks do not run inside the test transaction, so nothing is delivered to Meta here:
the tests read the stored outbound message, queued for the delivery task.
"""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone

from channels_intake.accounts import WhatsAppNumber, WhatsAppTemplate
from tests.factories import customer_ticket
from tickets.models import DeliveryStatus, Direction, Message

pytestmark = pytest.mark.django_db

JAKARTA = dt.timezone(dt.timedelta(hours=7))
WROTE_AT = dt.datetime(2026, 11, 18, 9, 30, tzinfo=JAKARTA)
SECRETS = {"access_token": "token", "app_secret": "secret", "verify_token": "verify"}


@pytest.fixture
def number(personas) -> WhatsAppNumber:
    return WhatsAppNumber.objects.create(
        name="CS WhatsApp", slug="cs-wa", team=personas.team, phone_number_id="1098765", **SECRETS
    )


@pytest.fixture
def order_update(number) -> WhatsAppTemplate:
    return WhatsAppTemplate.objects.create(
        number=number,
        name="order_update",
        language="id",
        body="Halo {{1}}, pesanan {{2}} sudah kami cek. Balas pesan ini untuk melanjutkan.",
        variables="Customer name, Order number",
    )


@pytest.fixture
def whatsapp_ticket(personas, number):
    with time_machine.travel(WROTE_AT, tick=False):
        return customer_ticket(
            "Halo kak, pesanan saya belum sampai",
            channel="whatsapp",
            kind="phone",
            sender="+6281234567890",
            external_id="wamid.X",
            metadata={"account": number.phone_number_id},
        )


def shown(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "j M Y H:i")


def outbound(ticket) -> list[Message]:
    return list(ticket.messages.filter(direction=Direction.OUTBOUND))


def test_the_composer_says_until_when_the_agent_can_reply_freely(agent_client, whatsapp_ticket):
    closes = WROTE_AT + dt.timedelta(hours=24)
    with time_machine.travel(closes - dt.timedelta(hours=3, minutes=12), tick=False):
        response = agent_client.get(reverse("desk:ticket", args=[whatsapp_ticket.pk]))
    assert f"You can reply freely until {shown(closes)} (in 3h 12m)" in response.content.decode()


def test_the_composer_says_the_window_closed_and_a_template_is_needed(agent_client, whatsapp_ticket):
    with time_machine.travel(WROTE_AT + dt.timedelta(hours=25), tick=False):
        response = agent_client.get(reverse("desk:ticket", args=[whatsapp_ticket.pk]))
    page = response.content.decode()
    closes = WROTE_AT + dt.timedelta(hours=24)
    assert f"The 24-hour window closed at {shown(closes)}: send an approved template" in page
    assert "You can reply freely" not in page


def test_the_template_tab_offers_the_numbers_active_templates_with_their_language(
    agent_client, whatsapp_ticket, order_update, number
):
    other = WhatsAppNumber.objects.create(name="Promo", slug="promo", phone_number_id="2233", **SECRETS)
    WhatsAppTemplate.objects.create(number=other, name="promo_other_number", body="Diskon {{1}}")
    WhatsAppTemplate.objects.create(number=number, name="retired_update", body="Lama", active=False)
    WhatsAppTemplate.objects.create(number=None, name="every_number_hello", language="en", body="Hi")

    page = agent_client.get(reverse("desk:ticket", args=[whatsapp_ticket.pk])).content.decode()

    assert 'data-tab="template"' in page
    assert "order_update [id]" in page
    assert "every_number_hello [en]" in page
    assert "Customer name" in page and "Order number" in page
    assert "promo_other_number" not in page
    assert "retired_update" not in page


def test_a_template_sent_after_the_window_closed_is_queued_and_shown_in_the_conversation(
    agent_client, whatsapp_ticket, order_update
):
    url = reverse("desk:template", args=[whatsapp_ticket.pk])
    fields = {
        "template": order_update.pk,
        f"var-{order_update.pk}-1": "Budi",
        f"var-{order_update.pk}-2": "INV-77",
    }
    with time_machine.travel(WROTE_AT + dt.timedelta(hours=25), tick=False):
        response = agent_client.post(url, fields)
        assert response.status_code == 302
        page = agent_client.get(response["Location"]).content.decode()

    [message] = outbound(whatsapp_ticket)
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert message.metadata["template"] == {
        "name": "order_update",
        "language": "id",
        "variables": ["Budi", "INV-77"],
    }
    assert message.text == "Halo Budi, pesanan INV-77 sudah kami cek. Balas pesan ini untuk melanjutkan."
    assert message.text in page
    assert "Template queued for sending." in page


def test_a_template_with_a_missing_value_is_refused_with_the_reason(
    agent_client, whatsapp_ticket, order_update
):
    url = reverse("desk:template", args=[whatsapp_ticket.pk])
    fields = {
        "template": order_update.pk,
        f"var-{order_update.pk}-1": "Budi",
        f"var-{order_update.pk}-2": "  ",
    }
    with time_machine.travel(WROTE_AT + dt.timedelta(hours=25), tick=False):
        response = agent_client.post(url, fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert "The template “order_update” needs 2 filled-in values." in page
    assert 'value="Budi"' in page  # what the agent typed is kept
    assert outbound(whatsapp_ticket) == []


def test_a_ticket_on_another_channel_has_no_template_tab_and_refuses_templates(agent_client, order_update):
    ticket = customer_ticket("Paket belum sampai")
    page = agent_client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert 'data-tab="template"' not in page
    assert 'class="window-state' not in page

    response = agent_client.post(reverse("desk:template", args=[ticket.pk]), {"template": order_update.pk})
    assert response.status_code == 400
    assert "Choose one of the active templates of this WhatsApp number." in response.content.decode()
    assert outbound(ticket) == []


def test_free_text_after_the_window_closed_is_refused_with_the_explanation(agent_client, whatsapp_ticket):
    url = reverse("desk:reply", args=[whatsapp_ticket.pk])
    with time_machine.travel(WROTE_AT + dt.timedelta(hours=24, minutes=1), tick=False):
        response = agent_client.post(url, {"text": "Maaf kak, paketnya sudah dikirim"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "WhatsApp only allows free text within 24 hours of the customer&#x27;s last message" in page
    assert "Send an approved message template instead" in page
    assert "Maaf kak, paketnya sudah dikirim" in page  # the draft is kept
    assert outbound(whatsapp_ticket) == []
