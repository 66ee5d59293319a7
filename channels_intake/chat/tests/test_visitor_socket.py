"""The visitor's WebSocket protocol, through Channels' communicator against the real routing."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from channels.testing import WebsocketCommunicator
from django.core import signing

from channels_intake.chat import visitor
from channels_intake.chat.agent_consumer import mark_read_by_agent
from channels_intake.chat.identity import visitor_token
from channels_intake.chat.models import ChatSession, ChatWidget
from channels_intake.chat.routing import websocket_application
from channels_intake.chat.tests.conftest import (
    SHOP,
    agent_socket,
    make_session,
    receive_all,
    receive_until,
    run,
    say_hello,
    visitor_socket,
)
from tickets import actions
from tickets.models import Channel, DeliveryStatus, Direction, IdentityKind, Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitors_first_message_opens_a_chat_ticket_and_is_acknowledged(widget, topic):
    session = make_session(widget, phone="+6281234567890", order_ref="INV/1", category=topic)
    client_id = str(uuid.uuid4())

    async def scenario():
        async with visitor_socket(widget) as socket:
            welcome = await say_hello(socket, session)
            assert welcome["state"]["ended"] is False
            await socket.send_json_to(
                {"type": "message", "client_id": client_id, "text": "Halo, pulsa belum masuk"}
            )
            frames = await receive_all(socket, "message", "ack")
            return frames["message"], frames["ack"]

    shown, ack = run(scenario)
    message = Message.objects.get(pk=ack["id"])
    ticket = message.ticket
    assert shown["message"]["client_id"] == client_id and shown["message"]["from"] == "visitor"
    assert ticket.channel == Channel.CHAT and ticket.team == widget.team
    assert ticket.category == topic and ticket.order_ref == "INV/1"
    assert message.external_id == f"chat:{session.public_id}:{client_id}"
    kinds = set(ticket.contact.identities.values_list("kind", flat=True))
    assert kinds == {IdentityKind.CHAT, IdentityKind.EMAIL, IdentityKind.PHONE}
    session.refresh_from_db()
    assert session.ticket == ticket


def test_the_socket_refuses_pages_on_sites_the_widget_does_not_allow(widget):
    async def scenario():
        results = {}
        for origin in ("https://evil.example.com", "null", "https://shop.example.co.id.evil.com"):
            communicator = WebsocketCommunicator(
                websocket_application,
                f"/ws/chat/{widget.public_key}/",
                headers=[(b"origin", origin.encode())],
            )
            results[origin], _code = await communicator.connect()
            await communicator.disconnect()
        async with visitor_socket(widget, origin="https://toko.contoh.id"):
            pass  # a subdomain of an allowed https://*.contoh.id
        return results

    assert run(scenario) == {
        "https://evil.example.com": False,
        "null": False,
        "https://shop.example.co.id.evil.com": False,
    }


def test_an_unknown_or_inactive_widget_refuses_the_socket(widget):
    ChatWidget.objects.filter(pk=widget.pk).update(active=False)

    async def scenario():
        communicator = WebsocketCommunicator(
            websocket_application, f"/ws/chat/{widget.public_key}/", headers=[(b"origin", SHOP.encode())]
        )
        connected, _code = await communicator.connect()
        return connected

    assert run(scenario) is False


@pytest.mark.parametrize("token", ["", "not-a-token", None])
def test_a_visitor_without_a_valid_token_is_refused(widget, token):
    async def scenario():
        async with visitor_socket(widget) as socket:
            await socket.send_json_to({"type": "hello", "token": token})
            error = await socket.receive_json_from(timeout=3)
            closed = await socket.receive_output(timeout=3)
            return error, closed

    error, closed = run(scenario)
    assert error["code"] == "unauthorised"
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_visitor_must_say_hello_before_chatting(widget):
    async def scenario():
        async with visitor_socket(widget) as socket:
            await socket.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "text": "hi"})
            return await socket.receive_json_from(timeout=3), await socket.receive_output(timeout=3)

    error, closed = run(scenario)
    assert error["code"] == "unauthorised" and closed["code"] == 4401
    assert not Message.objects.exists()


def test_a_visitor_who_puts_another_chats_id_in_their_token_sees_nothing(widget):
    mine = make_session(widget)
    theirs = make_session(widget, name="Siti", email="siti@example.test")

    visitor.post_message(theirs, client_id=str(uuid.uuid4()), text="Nomor kartu saya rahasia")
    # The visitor decodes their own token, swaps in the other chat's id and keeps the old signature.
    payload, timestamp, signature = visitor_token(mine).split(":")
    assert signing.loads(visitor_token(mine), salt="chat.visitor") == {"s": str(mine.public_id)}
    forged_payload = signing.b64_encode(
        json.dumps({"s": str(theirs.public_id)}, separators=(",", ":")).encode()
    )
    forged = f"{forged_payload.decode()}:{timestamp}:{signature}"
    assert forged_payload.decode() != payload

    async def scenario():
        async with visitor_socket(widget) as socket:
            await socket.send_json_to({"type": "hello", "token": forged})
            frames = [await socket.receive_json_from(timeout=3)]
            return frames, await socket.receive_output(timeout=3)

    frames, closed = run(scenario)
    assert [frame["type"] for frame in frames] == ["error"]
    assert closed["code"] == 4401


def test_a_token_for_one_widget_does_not_open_a_chat_on_another(widget, personas):
    other = ChatWidget.objects.create(name="Toko Lain", team=personas.team, allowed_origins=SHOP)
    session = make_session(widget)

    async def scenario():
        async with visitor_socket(other) as socket:
            await socket.send_json_to({"type": "hello", "token": visitor_token(session)})
            return await socket.receive_json_from(timeout=3)

    assert run(scenario)["code"] == "unauthorised"


def test_an_agent_reply_reaches_the_visitor_and_delivered_and_read_marks_come_back(widget, personas):
    session = make_session(widget)

    first = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session, after=first.pk)
            from channels.db import database_sync_to_async

            reply = await database_sync_to_async(actions.reply)(
                first.ticket, by=personas.agent, text="Halo Budi, kami cek ya."
            )
            shown = await receive_until(socket, "message")
            await socket.send_json_to({"type": "seen", "upto": shown["message"]["id"], "read": False})
            await socket.send_json_to({"type": "ping"})
            await receive_until(socket, "pong")
            delivered = await database_sync_to_async(
                lambda: Message.objects.get(pk=reply.pk).delivery_status
            )()
            await socket.send_json_to({"type": "seen", "upto": shown["message"]["id"], "read": True})
            await socket.send_json_to({"type": "ping"})
            await receive_until(socket, "pong")
            return shown["message"], reply, delivered

    shown, reply, delivered = run(scenario)
    assert shown == {
        **shown,
        "id": reply.pk,
        "from": "agent",
        "author": "Alice",
        "text": "Halo Budi, kami cek ya.",
    }
    assert delivered == DeliveryStatus.DELIVERED
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ
    session.refresh_from_db()
    assert session.visitor_read_upto == reply.pk


def test_internal_notes_never_reach_the_visitor(widget, personas):
    session = make_session(widget)

    first = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")
    actions.add_note(first.ticket, by=personas.agent, text="Pelanggan ini pernah chargeback")
    actions.reply(first.ticket, by=personas.agent, text="Halo!")

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            return [await receive_until(socket, "message") for _ in range(2)]

    frames = run(scenario)
    assert [frame["message"]["text"] for frame in frames] == ["Halo?", "Halo!"]
    assert Message.objects.filter(direction=Direction.NOTE).count() == 1


def test_typing_goes_from_visitor_to_agent_and_from_agent_to_visitor(widget, personas):
    session = make_session(widget)

    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?").ticket

    async def scenario():
        async with visitor_socket(widget) as customer, agent_socket(personas.agent) as agent:
            await say_hello(customer, session)
            await agent.send_json_to({"type": "watch", "ticket": ticket.pk})
            await agent.send_json_to({"type": "ping"})
            await receive_until(agent, "pong")
            await customer.send_json_to({"type": "typing", "on": True})
            seen_by_agent = await receive_until(agent, "typing")
            await agent.send_json_to({"type": "replying", "on": True})
            seen_by_visitor = await receive_until(customer, "typing")
            return seen_by_agent, seen_by_visitor

    seen_by_agent, seen_by_visitor = run(scenario)
    assert seen_by_agent == {"type": "typing", "ticket": ticket.pk, "who": "visitor", "on": True}
    assert seen_by_visitor == {"type": "typing", "name": "Alice", "on": True}


def test_the_visitor_sees_when_an_agent_has_read_their_messages(widget, personas):
    session = make_session(widget)

    message = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")

    async def scenario():
        async with visitor_socket(widget) as customer, agent_socket(personas.agent) as agent:
            await say_hello(customer, session)
            await agent.send_json_to({"type": "seen", "ticket": message.ticket_id, "upto": message.pk + 1000})
            return await receive_until(customer, "read")

    assert run(scenario) == {"type": "read", "upto": message.pk}  # never beyond what exists


def test_an_agent_page_marking_read_costs_one_query_when_nothing_is_new(widget, django_assert_num_queries):
    session = make_session(widget)
    message = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")
    with django_assert_num_queries(2):
        assert mark_read_by_agent(message.ticket_id, message.pk + 1000) == [(session.group, message.pk)]
    with django_assert_num_queries(1):
        assert mark_read_by_agent(message.ticket_id, message.pk) == []  # every page sends it after a fetch
    session.refresh_from_db()
    assert session.agent_read_upto == message.pk


def test_a_visitor_who_waits_too_long_is_offered_to_leave_a_message_and_is_then_answered_by_email(
    widget, personas, mailoutbox, time_machine
):
    session = make_session(widget)

    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo? Ada orang?").ticket
    time_machine.move_to(ticket.created_at + dt.timedelta(seconds=widget.no_answer_seconds + 1))

    async def scenario():
        async with visitor_socket(widget) as socket:
            welcome = await say_hello(socket, session)
            await socket.send_json_to(
                {
                    "type": "leave_message",
                    "client_id": str(uuid.uuid4()),
                    "email": "budi.s@example.test",
                    "text": "Tolong email saya",
                }
            )
            frames = await receive_all(socket, "ack", "state")
            return welcome["state"], frames["state"]["state"]

    before, after = run(scenario)
    assert before["offer_leave_message"] is True
    assert after["mode"] == ChatSession.Mode.OFFLINE and after["offer_leave_message"] is False
    actions.reply(
        Ticket.objects.get(pk=ticket.pk), by=personas.agent, text="Maaf menunggu, pulsa sudah masuk."
    )
    assert [mail.to for mail in mailoutbox] == [["budi.s@example.test"]]
    assert "pulsa sudah masuk" in mailoutbox[0].body


def test_ending_the_chat_stops_further_messages(widget):
    session = make_session(widget, language="en")  # the socket answers in the visitor's language

    visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            await socket.send_json_to({"type": "end"})
            state = await receive_until(socket, "state")
            await socket.send_json_to({"type": "message", "client_id": str(uuid.uuid4()), "text": "lagi"})
            return state, await receive_until(socket, "error")

    state, error = run(scenario)
    assert state["state"]["ended"] is True
    assert "ended" in error["message"]
    assert Message.objects.count() == 1


def test_a_script_flooding_a_chat_is_slowed_down(widget):
    session = make_session(widget)

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            for n in range(25):
                await socket.send_json_to(
                    {"type": "message", "client_id": str(uuid.uuid4()), "text": f"spam {n}"}
                )
            errors, answered = [], 0
            while answered < 25:  # every message is answered: an ack or an error
                frame = await socket.receive_json_from(timeout=10)
                if frame["type"] in ("ack", "error"):
                    answered += 1
                if frame["type"] == "error":
                    errors.append(frame["code"])
            return errors

    assert run(scenario) == ["slow_down"] * 5
    assert Message.objects.count() == 20


def test_a_frame_that_is_not_json_gets_an_error_not_a_dropped_chat(widget):
    session = make_session(widget)

    async def scenario():
        async with visitor_socket(widget) as socket:
            await say_hello(socket, session)
            await socket.send_to(text_data="{not json")
            error = await socket.receive_json_from(timeout=3)
            await socket.send_json_to({"type": "ping"})
            return error, await receive_until(socket, "pong")

    error, pong = run(scenario)
    assert error["code"] == "bad_request" and pong == {"type": "pong"}
