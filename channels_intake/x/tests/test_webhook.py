"""The X webhook end to end: the CRC, signatures, DMs in and out through a fake X API."""

import base64
import hashlib
import hmac
import json

import pytest

from channels_intake.models import InboundEvent
from channels_intake.tests.fakes import X_UNAUTHORIZED
from channels_intake.tests.support import X_CONSUMER_SECRET, fixture, fixture_bytes, x_account, x_signature
from tickets import actions
from tickets.models import DeliveryStatus, Message, Ticket

URL = "/intake/x/"
CUSTOMER = "3001969357"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 64


@pytest.mark.django_db
def test_the_crc_answers_with_the_hmac_of_the_token(client):
    x_account()
    response = client.get(URL, {"crc_token": "9b4507b3-9040-4669-9ef4-24f0f9c5e7f3"})
    expected = base64.b64encode(
        hmac.new(X_CONSUMER_SECRET.encode(), b"9b4507b3-9040-4669-9ef4-24f0f9c5e7f3", hashlib.sha256).digest()
    ).decode()
    assert response.status_code == 200
    assert response.json() == {"response_token": f"sha256={expected}"}
    assert client.get(URL).status_code == 400


@pytest.mark.django_db
def test_with_several_x_apps_the_crc_needs_the_accounts_own_url(client):
    x_account()
    x_account(slug="second", user_id="99", consumer_secret="another-secret")
    assert client.get(URL, {"crc_token": "t"}).status_code == 400
    assert client.get(f"{URL}second/", {"crc_token": "t"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("signature", "status"), [(None, 401), ("tampered", 403), ("wrong-secret", 403)])
def test_unsigned_tampered_and_foreign_events_are_refused(client, signature, status):
    x_account()
    body = fixture_bytes("x", "dm_text")
    headers = {}
    if signature == "tampered":
        headers["HTTP_X_TWITTER_WEBHOOKS_SIGNATURE"] = x_signature(body)
        body = body.replace(b"belum masuk", b"sudah masuk")
    elif signature == "wrong-secret":
        headers["HTTP_X_TWITTER_WEBHOOKS_SIGNATURE"] = x_signature(body, secret="nope")
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == status
    assert not InboundEvent.objects.exists()


@pytest.fixture
def dm(client, run_on_commit, personas):
    x_account(team=personas.team)

    def deliver(name="dm_text", body=None):
        body = body or fixture_bytes("x", name)
        return run_on_commit(
            client.post,
            URL,
            data=body,
            content_type="application/json",
            HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=x_signature(body),
        )

    return deliver


@pytest.mark.django_db
def test_a_signed_dm_opens_a_ticket_once_however_often_it_is_delivered(dm, personas):
    assert dm().status_code == 200
    assert dm().status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "x" and ticket.team == personas.team and str(ticket.contact) == "Rina Wijaya"
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_dm_media_is_fetched_with_the_accounts_credentials(dm, fake_api):
    payload = fixture("x", "dm_photo")
    media = payload["direct_message_events"][0]["message_create"]["message_data"]["attachment"]["media"]
    media["media_url_https"] = f"{fake_api.url}/x-media/bukti.jpg"
    fake_api.media["bukti.jpg"] = (JPEG, "image/jpeg")
    dm(body=json.dumps(payload).encode())
    assert Message.objects.get().attachments.get().content_type == "image/jpeg"
    assert fake_api.calls("GET", "/x-media/")[0].headers["Authorization"].startswith("OAuth ")


@pytest.mark.django_db
def test_a_reply_is_sent_through_the_dm_api_and_marked_read_later(dm, personas, fake_api, run_on_commit):
    dm()
    message = run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Kami cek ya kak")
    message.refresh_from_db()
    [call] = fake_api.calls("POST", "/2/dm_conversations/")
    assert call.path == f"/2/dm_conversations/with/{CUSTOMER}/messages"
    assert call.json() == {"text": "Kami cek ya kak"}
    assert message.delivery_status == DeliveryStatus.SENT and message.external_id
    read = fixture("x", "dm_read")
    read["direct_message_mark_read_events"][0]["created_timestamp"] = str(
        int(message.created_at.timestamp() * 1000) + 1000
    )
    dm(body=json.dumps(read).encode())
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.READ


@pytest.mark.django_db
def test_rate_limits_are_retried_and_refused_credentials_fail_at_once(dm, personas, fake_api, run_on_commit):
    dm()
    ticket = Ticket.objects.get()
    fake_api.script(
        "POST",
        r"/2/dm_conversations/",
        429,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
    )
    first = run_on_commit(actions.reply, ticket, by=personas.agent, text="Satu")
    first.refresh_from_db()
    assert first.delivery_status == DeliveryStatus.SENT and first.send_attempts == 2
    fake_api.script("POST", r"/2/dm_conversations/", 401, X_UNAUTHORIZED)
    second = run_on_commit(actions.reply, ticket, by=personas.agent, text="Dua")
    second.refresh_from_db()
    assert second.delivery_status == DeliveryStatus.FAILED and "credentials" in second.delivery_error
