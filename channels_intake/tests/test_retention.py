"""Raw inbound bodies: full card numbers and OTPs go once an event is settled; the admin never shows them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from channels_intake.models import InboundEvent
from channels_intake.processing import reprocess, run
from channels_intake.retention import sweep_raw_bodies
from channels_intake.tests.support import fixture, whatsapp_number
from tests.factories import PASSWORD
from tickets.models import Message

pytestmark = pytest.mark.django_db

CARD_TEXT = "Kartu saya 4111 1111 1111 1111 dipakai, OTP 482913 diminta, pesanan INV/20241122/MPL/3612345678"


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


@pytest.fixture
def admin_client(client, personas):
    client.login(username=personas.admin.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def whatsapp_body(text: str, *, wamid: str = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjACARD01") -> bytes:
    payload = fixture("whatsapp", "text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": wamid, "text": {"body": text}})
    # Meta escapes non-ASCII: a card typed with no-break spaces arrives as \u00a0 escapes.
    return json.dumps(payload).encode()


def stored(body: bytes, **fields) -> InboundEvent:
    return InboundEvent.objects.create(
        channel="whatsapp", account="cs-jakarta", source="webhook", body=body, **fields
    )


def test_a_processed_whatsapp_event_keeps_valid_json_with_the_card_and_otp_masked(number):
    original = whatsapp_body(CARD_TEXT.replace("4111 1111", "4111\u00a01111"))
    event = stored(original)
    assert run(event.pk) == InboundEvent.State.PROCESSED
    event.refresh_from_db()
    body = json.loads(bytes(event.body))
    value = body["entry"][0]["changes"][0]["value"]
    assert value["messages"][0]["text"]["body"] == (
        "Kartu saya 411111******1111 dipakai, OTP [disamarkan] diminta, pesanan INV/20241122/MPL/3612345678"
    )
    # Provider ids stay exactly as sent (a 16-digit id can pass a Luhn check).
    assert value["messages"][0]["id"] == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjACARD01"
    assert value["contacts"][0]["wa_id"] == "6281234567890"
    assert value["metadata"]["phone_number_id"] == "106540352242922"
    assert event.body_sha256 == hashlib.sha256(original).hexdigest()
    assert event.body_size == len(original)
    assert event.body_redacted_at is not None
    assert "411111******1111" in Message.objects.get().text


def test_a_quarantined_event_keeps_its_raw_body_for_a_retry_but_the_admin_shows_it_redacted(
    admin_client, number
):
    event = stored(
        b'{"entry": "not what Meta sends", "text": "kartu 4111 1111 1111 1111 OTP 482913"'
    )  # cut off
    assert run(event.pk) == InboundEvent.State.QUARANTINED
    event.refresh_from_db()
    assert b"4111 1111 1111 1111" in bytes(event.body)
    assert event.body_redacted_at is None
    page = admin_client.get(f"/admin/channels_intake/inboundevent/{event.pk}/change/").content.decode()
    assert "411111******1111" in page and "OTP [disamarkan]" in page
    assert "4111 1111 1111 1111" not in page and "482913" not in page


def test_the_admin_shows_a_pending_json_event_redacted_even_when_the_card_is_escaped(admin_client, number):
    event = stored(whatsapp_body(CARD_TEXT.replace(" 1111", "\u00a01111")))
    assert "\\u00a01111" in bytes(event.body).decode()  # invisible to a search of the raw text
    page = admin_client.get(f"/admin/channels_intake/inboundevent/{event.pk}/change/").content.decode()
    assert "411111******1111" in page
    assert "4111\u00a01111" not in page and "\\u00a01111" not in page and "482913" not in page


def test_the_sweep_redacts_quarantined_bodies_only_after_the_retention_period(number, settings):
    settings.RAW_EVENT_RETENTION_DAYS = 14
    now = timezone.now()
    old = stored(
        whatsapp_body(CARD_TEXT),
        state=InboundEvent.State.QUARANTINED,
        received_at=now - dt.timedelta(days=15),
    )
    recent = stored(
        whatsapp_body(CARD_TEXT),
        state=InboundEvent.State.QUARANTINED,
        received_at=now - dt.timedelta(days=13),
    )
    pending = stored(whatsapp_body(CARD_TEXT), received_at=now - dt.timedelta(days=60))
    assert sweep_raw_bodies() == 1
    for event in (old, recent, pending):
        event.refresh_from_db()
    assert b"4111 1111 1111 1111" not in bytes(old.body) and old.body_redacted_at is not None
    assert b"4111 1111 1111 1111" in bytes(recent.body) and recent.body_redacted_at is None
    assert b"4111 1111 1111 1111" in bytes(pending.body)  # still work to do: never touched
    assert sweep_raw_bodies() == 0


def test_a_quarantined_event_redacted_by_the_sweep_can_still_be_processed_again(number, settings):
    event = stored(
        whatsapp_body(CARD_TEXT),
        state=InboundEvent.State.QUARANTINED,
        received_at=timezone.now() - dt.timedelta(days=settings.RAW_EVENT_RETENTION_DAYS + 1),
    )
    sweep_raw_bodies()
    reprocess(InboundEvent.objects.filter(pk=event.pk))
    assert run(event.pk) == InboundEvent.State.PROCESSED
    assert Message.objects.get().text.startswith("Kartu saya 411111******1111 dipakai")


def test_the_sweep_redacts_settled_events_stored_before_the_rule_existed(number):
    event = stored(whatsapp_body(CARD_TEXT), state=InboundEvent.State.PROCESSED)
    assert sweep_raw_bodies() == 1
    event.refresh_from_db()
    assert b"4111 1111 1111 1111" not in bytes(event.body)


def test_a_whatsapp_document_named_with_a_card_is_masked_in_the_message_metadata(number):
    payload = fixture("whatsapp", "document")
    document = payload["entry"][0]["changes"][0]["value"]["messages"][0]["document"]
    document["filename"] = "kartu 4111111111111111.pdf"
    document["caption"] = "foto kartu"
    event = stored(json.dumps(payload).encode())
    assert run(event.pk) == InboundEvent.State.PROCESSED
    message = Message.objects.get()
    media = message.metadata["media"][0]
    assert media["filename"] == "kartu 411111******1111.pdf"
    assert media["media_id"] == "1187362098820139" and message.metadata["from"] == "6281234567890"
    assert message.ticket.security_flag
