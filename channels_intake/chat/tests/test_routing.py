"""Routing new chats: online agents of the widget's team with their desk open, least loaded first,
round robin among equals, never over an agent's concurrent-chat limit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from channels_intake.chat import assignment, tasks, visitor
from channels_intake.chat.models import AgentConnection, ChatSession
from channels_intake.chat.tests.conftest import go_online, make_session
from tests.factories import make_user
from tickets import actions
from tickets.models import AgentProfile, Role, Status, Team

pytestmark = pytest.mark.django_db


def new_chat(widget, name="Budi"):
    session = make_session(widget, name=name, email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.test")
    visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo, tolong dibantu")
    session.refresh_from_db()
    return session.ticket


def test_a_new_chat_goes_to_an_online_agent_of_the_widgets_team(widget, personas):
    go_online(personas.agent)
    ticket = new_chat(widget)
    assert ticket.assignee == personas.agent
    assert ChatSession.objects.get(ticket=ticket).routed_to == personas.agent


def test_agents_who_are_away_offline_or_without_their_desk_open_get_no_chats(widget, personas):
    go_online(personas.agent)
    AgentProfile.objects.filter(user=personas.agent).update(presence=AgentProfile.Presence.AWAY)
    go_online(personas.teammate)
    AgentConnection.objects.filter(user=personas.teammate).update(
        seen_at=timezone.now() - dt.timedelta(minutes=5)
    )
    ticket = new_chat(widget)
    assert ticket.assignee is None


def test_agents_of_other_teams_get_no_chats(widget, personas):
    sellers = Team.objects.create(name="Tim Penjual", slug="sellers")
    go_online(make_user("dewi", role=Role.AGENT, team=sellers))
    assert new_chat(widget).assignee is None


def test_the_least_loaded_agent_gets_the_next_chat(widget, personas):
    go_online(personas.agent)
    first = new_chat(widget, "Budi")
    assert first.assignee == personas.agent
    go_online(personas.teammate)
    assert new_chat(widget, "Siti").assignee == personas.teammate  # Alice has one, Bima none


def test_equally_loaded_agents_take_turns(widget, personas):
    go_online(personas.agent)
    go_online(personas.teammate)
    owners = [new_chat(widget, name).assignee for name in ("Budi", "Siti", "Joko", "Rina")]
    assert owners[0] != owners[1]
    assert owners == [owners[0], owners[1], owners[0], owners[1]]


def test_no_agent_takes_more_chats_than_their_limit(widget, personas):
    AgentProfile.objects.filter(user=personas.agent).update(max_concurrent_chats=2)
    go_online(personas.agent)
    owners = [new_chat(widget, name).assignee for name in ("Budi", "Siti", "Joko")]
    assert owners == [personas.agent, personas.agent, None]


def test_finished_chats_free_a_slot_for_the_waiting_one(widget, personas):
    AgentProfile.objects.filter(user=personas.agent).update(max_concurrent_chats=1)
    go_online(personas.agent)
    first = new_chat(widget, "Budi")
    waiting = new_chat(widget, "Siti")
    assert waiting.assignee is None
    actions.change_status(first, status=Status.RESOLVED, by=personas.agent)
    assert tasks.sweep_chats()["routed"] == 1
    waiting.refresh_from_db()
    assert waiting.assignee == personas.agent


def test_a_chat_whose_visitor_left_long_ago_ends_and_stops_counting(widget, personas, settings):
    AgentProfile.objects.filter(user=personas.agent).update(max_concurrent_chats=1)
    go_online(personas.agent)
    first = new_chat(widget, "Budi")
    ChatSession.objects.filter(ticket=first).update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=settings.CHAT_ABANDONED_MINUTES + 1)
    )
    waiting = new_chat(widget, "Siti")
    assert waiting.assignee is None
    result = tasks.sweep_chats()
    assert result["abandoned"] == 1 and result["routed"] == 1
    waiting.refresh_from_db()
    assert waiting.assignee == personas.agent


def test_a_visitor_who_writes_keeps_the_chat_alive_without_a_write_per_message(widget):
    session = make_session(widget)
    visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?")
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    ChatSession.objects.filter(pk=session.pk).update(last_seen_at=long_ago)
    visitor.post_message(session, client_id=str(uuid.uuid4()), text="Masih di sini")
    seen = ChatSession.objects.get(pk=session.pk).last_seen_at
    assert seen > long_ago + dt.timedelta(minutes=4)  # the abandoned-chat sweep leaves it alone
    visitor.post_message(session, client_id=str(uuid.uuid4()), text="Dan lagi")
    assert ChatSession.objects.get(pk=session.pk).last_seen_at == seen  # a minute has not passed


def test_routing_never_takes_a_chat_from_an_agent_who_already_has_it(widget, personas):
    go_online(personas.agent)
    ticket = new_chat(widget)
    go_online(personas.teammate)
    session = ChatSession.objects.get(ticket=ticket)
    assert assignment.route_chat(session.pk) is None
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent


def test_the_sweep_forgets_workspace_sockets_that_went_silent(personas):
    go_online(personas.agent)
    AgentConnection.objects.update(seen_at=timezone.now() - dt.timedelta(minutes=5))
    assert tasks.sweep_chats()["stale_connections"] == 1
    assert not AgentConnection.objects.exists()
