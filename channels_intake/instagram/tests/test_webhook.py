"""The Instagram DM webhook, end to end, through the fake Graph API."""

import json

import pytest

from channels_intake.models import InboundEvent
from channels_intake.tests.support import (
    APP_SECRET,
    VERIFY_TOKEN,
    fixture,
    fixture_bytes,
    meta_page,
    meta_signature,
)
from tickets import actions
from tickets.inbound import InboundAttachment
from tickets.models import DeliveryStatus, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
URL = "/intake/instagram/"
IGSID = "1254459154682919"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def account(personas):
    return meta_page("instagram", team=personas.team)


def deliver(client, run_on_commit, body, url=URL):
    return run_on_commit(
        client.post,
        url,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body),
    )


def test_the_handshake_on_the_accounts_own_url(client, account):
    response = client.get(
        f"{URL}{account.slug}/",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "5"},
    )
    assert response.content == b"5"


def test_a_messenger_page_cannot_sign_instagram_events(client, personas):
    meta_page("messenger")  # same app secret, other channel: not an Instagram account
    body = fixture_bytes("instagram", "text")
    response = client.post(
        URL, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=meta_signature(body)
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("header", "status"), [(None, 401), ("sha256=" + "0" * 64, 403)])
def test_unsigned_or_forged_events_are_refused(client, account, header, status):
    kwargs = {"HTTP_X_HUB_SIGNATURE_256": header} if header else {}
    response = client.post(
        URL, data=fixture_bytes("instagram", "text"), content_type="application/json", **kwargs
    )
    assert response.status_code == status and not InboundEvent.objects.exists()


def test_a_wrong_secret_is_refused(client, account):
    body = fixture_bytes("instagram", "text")
    response = client.post(
        URL,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body, APP_SECRET[:-1]),
    )
    assert response.status_code == 403


def test_a_dm_opens_a_ticket_with_the_customers_instagram_name(
    client, account, personas, fake_api, run_on_commit
):
    fake_api.profiles[IGSID] = {"name": "", "username": "dewi.shop"}
    deliver(client, run_on_commit, fixture_bytes("instagram", "text"))
    ticket = Ticket.objects.get()
    assert ticket.channel == "instagram" and ticket.team == personas.team
    assert str(ticket.contact) == "@dewi.shop"
    assert fake_api.calls("GET", f"/{IGSID}")[0].query["fields"] == ["name,username"]


def test_a_story_mention_is_downloaded(client, account, fake_api, run_on_commit):
    payload = fixture("instagram", "story_mention")
    payload["entry"][0]["messaging"][0]["message"]["attachments"][0]["payload"]["url"] = (
        f"{fake_api.url}/cdn/story.png"
    )
    fake_api.media["story.png"] = (PNG, "image/png")
    deliver(client, run_on_commit, json.dumps(payload).encode())
    assert Message.objects.get().attachments.get().content_type == "image/png"


def test_the_same_dm_delivered_twice_is_one_message(client, account, run_on_commit):
    deliver(client, run_on_commit, fixture_bytes("instagram", "text"))
    deliver(client, run_on_commit, fixture_bytes("instagram", "text"))
    assert InboundEvent.objects.count() == 2 and Message.objects.count() == 1


def test_files_cannot_be_sent_on_instagram_and_the_agent_is_told(client, account, personas, run_on_commit):
    deliver(client, run_on_commit, fixture_bytes("instagram", "text"))
    with pytest.raises(actions.ActionError, match="Files cannot be sent on Instagram"):
        actions.reply(
            Ticket.objects.get(),
            by=personas.agent,
            text="Ini fotonya",
            attachments=[InboundAttachment("a.png", PNG)],
        )


def test_a_reply_is_sent_and_the_read_receipt_for_it_applies(
    client, account, personas, fake_api, run_on_commit
):
    deliver(client, run_on_commit, fixture_bytes("instagram", "text"))
    message = run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Ready kak")
    message.refresh_from_db()
    assert fake_api.calls("POST", "/me/messages")[0].json()["recipient"] == {"id": IGSID}
    read = fixture("instagram", "read")
    read["entry"][0]["messaging"][0]["read"]["mid"] = message.external_id
    deliver(client, run_on_commit, json.dumps(read).encode())
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.READ
