"""The agent workspace socket: who may connect, live pokes, collision detection and presence."""

from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_intake.chat import visitor
from channels_intake.chat.models import AgentConnection
from channels_intake.chat.routing import websocket_application
from channels_intake.chat.tests.conftest import (
    agent_socket,
    make_session,
    receive_all,
    receive_until,
    run,
    session_cookie,
)
from tests.factories import customer_ticket
from tickets import actions
from tickets.models import AgentProfile

pytestmark = pytest.mark.django_db(transaction=True)


def connect_as(cookie: bytes | None, origin: str = "http://testserver") -> bool:
    async def scenario():
        headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie))
        communicator = WebsocketCommunicator(websocket_application, "/ws/desk/", headers=headers)
        connected, _code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected

    return run(scenario)


def test_only_agents_may_open_the_workspace_socket(personas):
    assert connect_as(None) is False  # anonymous
    assert connect_as(session_cookie(personas.outsider)) is False  # signed in, but no agent profile
    deactivated = session_cookie(personas.teammate)
    personas.teammate.is_active = False
    personas.teammate.save(update_fields=["is_active"])
    assert connect_as(deactivated) is False
    assert connect_as(session_cookie(personas.agent)) is True
    assert not AgentConnection.objects.exists()  # forgotten on disconnect


def test_the_workspace_socket_refuses_other_sites(personas):
    assert connect_as(session_cookie(personas.agent), origin="https://evil.example.com") is False


def test_an_agent_watching_a_chat_sees_the_visitors_new_message(widget, personas):
    session = make_session(widget)
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?").ticket
    actions.assign(ticket, agent=personas.agent, by=None)

    async def scenario():
        async with agent_socket(personas.agent) as agent:
            await agent.send_json_to({"type": "watch", "ticket": ticket.pk})
            await agent.send_json_to({"type": "ping"})
            await receive_until(agent, "pong")
            message = await database_sync_to_async(visitor.post_message)(
                session, client_id=str(uuid.uuid4()), text="Masih belum masuk"
            )
            changed = await receive_until(agent, "changed")
            # The agent is also the assignee ("mine"): the page hears the change once all the same.
            assert await agent.receive_nothing(timeout=0.3)
            return message, changed

    message, changed = run(scenario)
    assert changed == {
        "type": "changed",
        "ticket": ticket.pk,
        "kind": "customer_message",
        "message": message.pk,
        "parts": ["messages", "timeline"],
        "state": changed["state"],
    }


def test_inbox_pages_hear_about_tickets_of_every_channel(personas):
    async def scenario():
        async with agent_socket(personas.agent) as agent:
            await agent.send_json_to({"type": "inbox", "scopes": ["all", f"team:{personas.team.pk}"]})
            await agent.send_json_to({"type": "ping"})
            await receive_until(agent, "pong")
            ticket = await database_sync_to_async(customer_ticket)(
                channel="email", team_slug=personas.team.slug
            )
            changed = await receive_until(agent, "changed")
            # The change reached the socket through both groups (all + team): the page hears it once.
            assert await agent.receive_nothing(timeout=0.3)
            return ticket, changed

    ticket, changed = run(scenario)
    assert (changed["ticket"], changed["kind"]) == (ticket.pk, "customer_message")
    assert changed["message"] == ticket.messages.get().pk


def test_an_agent_sees_who_else_is_viewing_and_replying(personas):
    ticket = customer_ticket()

    async def scenario():
        async with agent_socket(personas.agent) as alice:
            await alice.send_json_to({"type": "watch", "ticket": ticket.pk})
            async with agent_socket(personas.teammate) as bima:
                await bima.send_json_to({"type": "watch", "ticket": ticket.pk})
                # Bima's arrival is announced to Alice, and Alice answers Bima's question "who is here?".
                bima_arrives = await receive_until(alice, "viewer")
                alice_is_here = await receive_until(bima, "viewer")
                await bima.send_json_to({"type": "replying", "on": True})
                bima_replies = await receive_until(alice, "viewer")
            bima_leaves = await receive_until(alice, "viewer")
        return bima_arrives, alice_is_here, bima_replies, bima_leaves

    arrives, here, replies, leaves = run(scenario)
    assert (arrives["user"], arrives["name"], arrives["state"]) == (personas.teammate.pk, "Bima", "viewing")
    assert (here["user"], here["state"]) == (personas.agent.pk, "viewing")
    assert (replies["user"], replies["state"]) == (personas.teammate.pk, "replying")
    assert (leaves["user"], leaves["state"]) == (personas.teammate.pk, "left")


def test_an_agent_sets_their_presence_and_supervisors_see_it(personas):
    async def scenario():
        async with agent_socket(personas.supervisor) as supervisor, agent_socket(personas.agent) as agent:
            await agent.send_json_to({"type": "presence", "status": "away"})
            own = await receive_until(agent, "presence")
            seen = await receive_until(supervisor, "presence")
            await agent.send_json_to({"type": "presence", "status": "asleep"})
            error = await receive_until(agent, "error")
            return own, seen, error

    own, seen, error = run(scenario)
    assert own == seen == {"type": "presence", "user": personas.agent.pk, "status": "away"}
    assert error["type"] == "error" and "asleep" in error["message"]  # in the default language
    assert AgentProfile.objects.get(user=personas.agent).presence == AgentProfile.Presence.AWAY


def test_an_open_workspace_counts_as_connected_until_it_closes(personas):
    async def scenario():
        async with agent_socket(personas.agent):
            return await database_sync_to_async(
                lambda: list(AgentConnection.objects.values_list("user_id", flat=True))
            )()

    assert run(scenario) == [personas.agent.pk]
    assert not AgentConnection.objects.exists()


def test_an_agent_who_comes_online_receives_a_waiting_chat(widget, personas):
    session = make_session(widget)
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?").ticket
    assert ticket.assignee is None  # nobody was online

    async def scenario():
        async with agent_socket(personas.agent) as agent:
            await agent.send_json_to({"type": "presence", "status": "online"})
            return await receive_all(agent, "presence", "changed")

    frames = run(scenario)
    assert (frames["changed"]["ticket"], frames["changed"]["kind"]) == (ticket.pk, "assigned")
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent
