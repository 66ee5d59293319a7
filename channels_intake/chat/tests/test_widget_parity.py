"""The HTTP side of the widget holds to the socket's rules: tokens bound to their widget, the same flood
limit, typing both ways, the whole conversation after a reload; merchant identities that expire."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels_intake.chat import limits, visitor
from channels_intake.chat.identity import customer_signature, verify_customer, visitor_token
from channels_intake.chat.models import ChatWidget
from channels_intake.chat.tests.conftest import SHOP, fixture_bytes, make_session, run
from tickets import actions, live

pytestmark = pytest.mark.django_db


def url(name, widget):
    return reverse(f"chat:{name}", args=[widget.public_key])


def rpc(client, widget, body, origin=SHOP):
    return client.post(
        url("rpc", widget), json.dumps(body), content_type="text/plain", headers={"origin": origin}
    )


@pytest.fixture
def other_widget(personas) -> ChatWidget:
    return ChatWidget.objects.create(
        name="Toko Lain", team=personas.team, allowed_origins="https://lain.example"
    )


def test_a_token_works_only_under_its_own_widget(client, widget, other_widget):
    session = make_session(widget)
    token = visitor_token(session)
    origin = "https://lain.example"
    polled = rpc(client, other_widget, {"token": token, "frame": {"type": "poll"}}, origin=origin)
    assert polled.status_code == 401 and polled.json()["code"] == "unauthorised"
    upload = client.post(
        url("upload", other_widget),
        {
            "token": token,
            "client_id": str(uuid.uuid4()),
            "file": SimpleUploadedFile("a.pdf", fixture_bytes("invoice.pdf")),
        },
        headers={"origin": origin},
    )
    assert upload.status_code == 401
    transcript = client.post(url("transcript", other_widget), {"token": token}, headers={"origin": origin})
    assert transcript.status_code == 401
    assert rpc(client, widget, {"token": token, "frame": {"type": "poll"}}).status_code == 200


def test_polling_is_held_to_the_sockets_flood_limit_and_so_are_uploads(client, widget):
    session = make_session(widget)
    token = visitor_token(session)
    codes = []
    for n in range(limits.MESSAGES_PER_WINDOW + 2):
        frame = {"type": "message", "client_id": str(uuid.uuid4()), "text": f"spam {n}"}
        response = rpc(client, widget, {"token": token, "frame": frame})
        codes.append(response.json().get("code", response.status_code))
    assert codes[: limits.MESSAGES_PER_WINDOW] == [200] * limits.MESSAGES_PER_WINDOW
    assert codes[limits.MESSAGES_PER_WINDOW :] == ["slow_down", "slow_down"]
    upload = client.post(
        url("upload", widget),
        {
            "token": token,
            "client_id": str(uuid.uuid4()),
            "file": SimpleUploadedFile("a.pdf", fixture_bytes("invoice.pdf")),
        },
        headers={"origin": SHOP},
    )
    assert upload.status_code == 400 and upload.json()["code"] == "slow_down"


@pytest.mark.django_db(transaction=True)
def test_typing_goes_both_ways_while_polling(client, widget, personas):
    from channels.layers import get_channel_layer

    from channels_intake.chat.tests.conftest import agent_socket

    session = make_session(widget)
    token = visitor_token(session)
    rpc(
        client,
        widget,
        {"token": token, "frame": {"type": "message", "client_id": str(uuid.uuid4()), "text": "Halo"}},
    )
    session.refresh_from_db()
    ticket_id = session.ticket_id

    async def visitor_types_and_agent_types():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.ticket_group(ticket_id), channel)
        from asgiref.sync import sync_to_async

        await sync_to_async(rpc)(client, widget, {"token": token, "frame": {"type": "typing", "on": True}})
        heard = await layer.receive(channel)
        async with agent_socket(personas.agent) as desk:
            await desk.send_json_to({"type": "watch", "ticket": ticket_id})
            await desk.receive_nothing(timeout=0.2)
            await desk.send_json_to({"type": "replying", "on": True})
            await desk.receive_nothing(timeout=0.2)
            polled = await sync_to_async(rpc)(client, widget, {"token": token, "after": 10**9})
        return heard, polled.json()["typing"]

    heard, typing = run(visitor_types_and_agent_types)
    assert heard == {"type": "ticket.typing", "ticket": ticket_id, "who": "visitor", "on": True}
    assert typing == {"on": True, "name": "Alice"}


def test_after_a_reload_polling_gets_the_whole_conversation_bounded(client, widget, personas, monkeypatch):
    session = make_session(widget)
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="satu").ticket
    for text in ("dua", "tiga", "empat"):
        actions.reply(ticket, by=personas.agent, text=text)
    token = visitor_token(session)
    page = rpc(client, widget, {"token": token, "after": 0}).json()  # a new page: nothing shown yet
    assert [m["text"] for m in page["messages"]] == ["satu", "dua", "tiga", "empat"]
    assert page["earlier"] is False
    monkeypatch.setattr(visitor, "HISTORY_LIMIT", 3)
    page = rpc(client, widget, {"token": token, "after": 0}).json()
    assert [m["text"] for m in page["messages"]] == ["dua", "tiga", "empat"] and page["earlier"] is True
    newer = rpc(client, widget, {"token": token, "after": page["messages"][-1]["id"]}).json()
    assert newer["messages"] == []


def test_the_transcript_holds_the_whole_conversation_however_long(widget, personas, monkeypatch, mailoutbox):
    from channels_intake.chat import transcript

    session = make_session(widget)
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="pesan 0").ticket
    for n in range(1, 7):
        actions.reply(ticket, by=personas.agent, text=f"pesan {n}")
    monkeypatch.setattr(visitor, "HISTORY_LIMIT", 2)  # pages of two: the query is paginated, not cut
    session.transcript_email = "budi@example.test"
    session.save(update_fields=["transcript_email"])
    assert transcript.send_transcript(session.pk)
    assert all(f"pesan {n}" in mailoutbox[0].body for n in range(7))


def signed(widget, *, timestamp=None, **fields):
    data = {"id": "cust-1042", "email": "rina@example.test", "name": "Rina", **fields}
    data["timestamp"] = str(int(time.time()) if timestamp is None else timestamp)
    data["signature"] = customer_signature(
        widget.identity_secret, "cust-1042", "rina@example.test", "Rina", data["timestamp"]
    )
    return data


def test_a_merchant_signed_identity_is_accepted_while_fresh(widget):
    customer = verify_customer(widget, signed(widget))
    assert customer is not None and (customer.customer_id, customer.name) == ("cust-1042", "Rina")


def test_a_merchant_signed_identity_expires(widget, settings):
    settings.CHAT_IDENTITY_MAX_AGE_HOURS = 24
    day_old = int(time.time()) - 24 * 3600 - 60
    assert verify_customer(widget, signed(widget, timestamp=day_old)) is None
    assert verify_customer(widget, signed(widget, timestamp=int(time.time()) + 3600)) is None  # the future
    settings.CHAT_IDENTITY_MAX_AGE_HOURS = 48
    assert verify_customer(widget, signed(widget, timestamp=day_old)) is not None


def test_the_name_is_signed_too(widget):
    data = signed(widget)
    data["name"] = "Someone Else"
    assert verify_customer(widget, data) is None
    legacy = {
        "id": "cust-1042",
        "email": "rina@example.test",
        "signature": customer_signature(widget.identity_secret, "cust-1042", "rina@example.test"),
    }
    assert verify_customer(widget, legacy) is None  # the old id|email signature, replayable forever


def test_the_topics_are_the_widget_teams_categories_when_it_has_some(client, widget, topic):
    from tickets.models import Category

    everyone = client.get(url("config", widget), headers={"origin": SHOP}).json()["topics"]
    assert "order-pending" in [t["slug"] for t in everyone]
    Category.objects.create(
        slug="pulsa", name_id="Pulsa dan paket data", name_en="Airtime", default_team=widget.team
    )
    own = client.get(url("config", widget) + "?lang=en", headers={"origin": SHOP}).json()["topics"]
    assert own == [{"slug": "pulsa", "name": "Airtime"}]
    form = {"name": "Budi", "contact": "budi@example.test", "topic": "order-pending"}
    refused = client.post(url("start", widget), form, headers={"origin": SHOP})
    assert refused.status_code == 400 and "topic" in refused.json()["fields"]
    assert (
        client.post(url("start", widget), {**form, "topic": "pulsa"}, headers={"origin": SHOP}).status_code
        == 201
    )
