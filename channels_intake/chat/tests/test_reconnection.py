"""A visitor's socket drops and comes back: nothing is lost and nothing is stored twice."""

from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import override_settings

from channels_intake.chat import visitor
from channels_intake.chat.tests.conftest import make_session, receive_all, run, say_hello, visitor_socket
from tickets import actions
from tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_resent_after_a_drop_is_stored_once_and_acknowledged_with_the_same_id(widget):
    session = make_session(widget)
    client_id = str(uuid.uuid4())
    frame = {"type": "message", "client_id": client_id, "text": "Pulsa belum masuk"}

    async def scenario():
        # The socket drops right after sending: the widget never saw the acknowledgement.
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            await socket.send_json_to(frame)
            first = await receive_all(socket, "ack")
        # The widget reconnects and resends everything still in its outbox.
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session, after=0)
            await socket.send_json_to(frame)
            second = await receive_all(socket, "ack")
        return first["ack"], second["ack"]

    first, second = run(scenario)
    assert first["id"] == second["id"]
    assert Message.objects.filter(ticket__channel="chat").count() == 1


def test_replies_sent_while_the_visitor_was_away_arrive_on_reconnect_in_order(widget, personas):
    session = make_session(widget)
    opening = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            seen = await receive_all(socket, "message")
        last_seen = seen["message"]["message"]["id"]
        # Offline: two agent replies are sent.
        for text in ("Halo Budi", "Pesanan sudah kami cek"):
            await database_sync_to_async(actions.reply)(opening.ticket, by=personas.agent, text=text)
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session, after=last_seen)
            replayed = [await socket.receive_json_from(timeout=3) for _ in range(2)]
        return last_seen, replayed

    last_seen, replayed = run(scenario)
    assert last_seen == opening.pk
    assert [frame["message"]["text"] for frame in replayed] == ["Halo Budi", "Pesanan sudah kami cek"]
    assert replayed[0]["message"]["id"] < replayed[1]["message"]["id"]


def test_a_second_tab_of_the_same_chat_sees_the_first_tabs_messages(widget):
    session = make_session(widget)

    async def scenario():
        async with visitor_socket(widget) as tab_one, visitor_socket(widget) as tab_two:
            await say_hello(tab_one, session)
            await say_hello(tab_two, session)
            await tab_one.send_json_to(
                {"type": "message", "client_id": str(uuid.uuid4()), "text": "dari tab satu"}
            )
            return (await receive_all(tab_two, "message"))["message"]["message"]

    assert run(scenario)["text"] == "dari tab satu"


def test_a_ping_catches_up_on_anything_the_channel_layer_lost(widget, personas):
    session = make_session(widget)
    opening = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session, after=opening.pk)

            # A reply whose events never reach this socket: sent from another process, whose in-memory
            # channel layer is not this one (the embedded default's Celery worker).
            def reply_elsewhere():
                with override_settings(
                    CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
                ):
                    actions.reply(opening.ticket, by=personas.agent, text="Sudah masuk")

            await database_sync_to_async(reply_elsewhere)()
            assert await socket.receive_nothing(timeout=0.5)
            await socket.send_json_to({"type": "ping"})
            return await receive_all(socket, "pong", "message")

    frames = run(scenario)
    assert frames["message"]["message"]["text"] == "Sudah masuk"
