"""The Messenger webhook, end to end: handshake, signatures, and what an event turns into."""

import datetime as dt
import json

import pytest

from channels_intake.models import InboundEvent
from channels_intake.tests.fakes import OUTSIDE_WINDOW
from channels_intake.tests.support import (
    APP_SECRET,
    VERIFY_TOKEN,
    fixture,
    fixture_bytes,
    meta_page,
    meta_signature,
)
from tickets import actions
from tickets.models import DeliveryStatus, Direction, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
URL = "/intake/messenger/"
PSID = "6745879123456789"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64


@pytest.fixture
def page(personas):
    return meta_page("messenger", team=personas.team)


def deliver(client, run_on_commit, body):
    return run_on_commit(
        client.post,
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body),
    )


def test_the_handshake_echoes_the_challenge(client, page):
    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "987"}
    )
    assert response.status_code == 200 and response.content == b"987"
    assert (
        client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 401), ("tampered", 403), ("wrong-secret", 403)],
)
def test_unsigned_tampered_and_foreign_events_are_refused_and_not_stored(client, page, signature, status):
    body = fixture_bytes("messenger", "text")
    headers = {}
    if signature == "tampered":
        headers["HTTP_X_HUB_SIGNATURE_256"] = meta_signature(body)
        body = body.replace(b"belum datang", b"sudah datang")
    elif signature == "wrong-secret":
        headers["HTTP_X_HUB_SIGNATURE_256"] = meta_signature(body, secret=APP_SECRET + "x")
    response = client.post(URL, data=body, content_type="application/json", **headers)
    assert response.status_code == status
    assert not InboundEvent.objects.exists()


def test_a_message_opens_a_ticket_and_the_name_is_fetched_once(
    client, page, personas, fake_api, run_on_commit
):
    fake_api.profiles[PSID] = {"first_name": "Dewi", "last_name": "Lestari", "name": "Dewi Lestari"}
    assert deliver(client, run_on_commit, fixture_bytes("messenger", "text")).status_code == 200
    assert deliver(client, run_on_commit, fixture_bytes("messenger", "reply")).status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "messenger" and ticket.team == personas.team and ticket.messages.count() == 2
    assert str(ticket.contact) == "Dewi Lestari"
    assert len(fake_api.calls("GET", f"/{PSID}")) == 1
    assert fake_api.calls("GET", f"/{PSID}")[0].query["fields"] == ["first_name,last_name,name"]


def test_an_unknown_profile_is_not_asked_for_again_and_again(client, page, fake_api, run_on_commit):
    deliver(client, run_on_commit, fixture_bytes("messenger", "text"))
    deliver(client, run_on_commit, fixture_bytes("messenger", "reply"))
    assert len(fake_api.calls("GET", f"/{PSID}")) == 1
    assert Ticket.objects.get().messages.count() == 2


def test_an_image_is_downloaded_from_the_cdn_and_attached(client, page, fake_api, run_on_commit):
    payload = fixture("messenger", "image")
    payload["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = (
        f"{fake_api.url}/cdn/photo.jpg"
    )
    fake_api.media["photo.jpg"] = (JPEG, "image/jpeg")
    deliver(client, run_on_commit, json.dumps(payload).encode())
    [attachment] = Message.objects.get().attachments.all()
    assert attachment.content_type == "image/jpeg"


def test_echoes_of_our_own_sends_create_nothing(client, page, run_on_commit):
    deliver(client, run_on_commit, fixture_bytes("messenger", "echo"))
    assert InboundEvent.objects.get().state == InboundEvent.State.IGNORED
    assert not Ticket.objects.exists()


def test_a_reply_goes_out_through_the_send_api_and_a_read_receipt_marks_it(
    client, page, personas, fake_api, run_on_commit
):
    deliver(client, run_on_commit, fixture_bytes("messenger", "text"))
    message = run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Baik kak")
    message.refresh_from_db()
    [call] = fake_api.calls("POST", "/me/messages")
    assert call.json() == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Baik kak"},
    }
    assert message.delivery_status == DeliveryStatus.SENT and message.external_id.startswith("m_fake")
    read = fixture("messenger", "read")
    read["entry"][0]["messaging"][0]["read"]["watermark"] = int(message.created_at.timestamp() * 1000) + 5000
    deliver(client, run_on_commit, json.dumps(read).encode())
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.READ


def test_after_24_hours_a_reply_is_refused_before_it_is_stored(
    client, page, personas, time_machine, run_on_commit
):
    time_machine.move_to(dt.datetime(2024, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False)
    deliver(client, run_on_commit, fixture_bytes("messenger", "text"))
    time_machine.move_to(dt.datetime(2024, 11, 23, 9, 1, tzinfo=dt.UTC), tick=False)
    with pytest.raises(actions.ActionError, match="24 hours"):
        actions.reply(Ticket.objects.get(), by=personas.agent, text="Halo")
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_with_the_human_agent_tag_an_answer_within_7_days_carries_the_tag(
    client, page, personas, time_machine, settings, fake_api, run_on_commit
):
    settings.META_HUMAN_AGENT_TAG = True
    time_machine.move_to(dt.datetime(2024, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False)
    deliver(client, run_on_commit, fixture_bytes("messenger", "text"))
    time_machine.move_to(dt.datetime(2024, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False)
    run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Maaf lama kak")
    sent = fake_api.calls("POST", "/me/messages")[0].json()
    assert sent["messaging_type"] == "MESSAGE_TAG" and sent["tag"] == "HUMAN_AGENT"
    time_machine.move_to(dt.datetime(2024, 11, 29, 9, 1, tzinfo=dt.UTC), tick=False)
    with pytest.raises(actions.ActionError, match="168 hours"):
        actions.reply(Ticket.objects.get(), by=personas.agent, text="Halo?")


def test_metas_outside_window_error_fails_the_message_with_its_reason(
    client, page, personas, fake_api, run_on_commit
):
    deliver(client, run_on_commit, fixture_bytes("messenger", "text"))
    fake_api.script("POST", r"/me/messages$", 400, OUTSIDE_WINDOW)
    message = run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Halo")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "outside the window" in message.delivery_error and "code 10" in message.delivery_error
