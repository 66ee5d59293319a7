"""tickets.live's publisher and the fragments static/desk/live.js swaps in."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channels_intake.chat import visitor
from channels_intake.chat.tests.conftest import go_online, make_session, run
from tests.factories import customer_ticket, inbound
from tickets import actions, live
from tickets.models import DeliveryStatus, Message, Team, Ticket

pytestmark = pytest.mark.django_db


def groups_poked(ticket, action) -> dict[str, dict]:
    """Run ``action``; return the event each group that could hear about ``ticket`` received."""
    names = [live.INBOX_ALL, live.ticket_group(ticket.pk)]
    names += [live.team_group(pk) for pk in Team.objects.values_list("pk", flat=True)]
    names += [live.user_group(pk) for pk in User.objects.values_list("pk", flat=True)]
    layer = get_channel_layer()
    channels = {}

    async def listen():
        for name in names:
            channels[name] = await layer.new_channel()
            await layer.group_add(name, channels[name])

    async def collect():
        found = {}
        for name, channel in channels.items():
            with contextlib.suppress(TimeoutError):
                found[name] = await asyncio.wait_for(layer.receive(channel), 0.05)
        return found

    async def scenario():
        await listen()
        await database_sync_to_async(action)()
        return await collect()

    return run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_change_pokes_the_ticket_every_inbox_and_the_assignee(personas):
    ticket = customer_ticket(team_slug=personas.team.slug)
    actions.assign(ticket, agent=personas.agent, by=personas.supervisor)
    poked = groups_poked(ticket, lambda: live.publish_ticket_changed(ticket.pk, "status"))
    assert set(poked) == {
        f"ticket.{ticket.pk}",
        "inbox.all",
        f"inbox.team.{personas.team.pk}",
        f"inbox.user.{personas.agent.pk}",
    }
    event = poked["inbox.all"]
    assert all(other == event for other in poked.values())  # one event (one id): a page forwards it once
    ticket.refresh_from_db()
    assert event == {
        "type": "ticket.changed",
        "id": event["id"],
        "ticket": ticket.pk,
        "kind": "status",
        "message": None,
        "parts": ["timeline", "head"],
        "state": live.head_state(ticket),
    }


def test_the_state_fingerprint_moves_with_what_the_header_shows_and_nothing_else(personas):
    ticket = customer_ticket()
    state = live.head_state(ticket)
    actions.receive_message(inbound("Masih belum sampai", subject_ticket_number=ticket.pk))
    ticket.refresh_from_db()
    assert live.head_state(ticket) == state  # a message on an open ticket: the header stays
    actions.assign(ticket, agent=personas.agent, by=None)
    ticket.refresh_from_db()
    assert live.head_state(ticket) != state
    assert live.head_state(ticket) == live.head_state(
        Ticket.objects.filter(pk=ticket.pk).values(*live.HEAD_FIELDS).get()
    )


@pytest.mark.django_db(transaction=True)
def test_a_customer_message_is_announced_with_its_id_and_the_parts_it_touched(personas):
    ticket = customer_ticket()

    def reply() -> None:
        actions.receive_message(inbound("Halo lagi", subject_ticket_number=ticket.pk))

    event = groups_poked(ticket, reply)[live.ticket_group(ticket.pk)]
    newest = ticket.messages.order_by("-pk").first()
    assert (event["kind"], event["message"], event["parts"]) == (
        "customer_message",
        newest.pk,
        ["messages", "timeline"],
    )


@pytest.mark.django_db(transaction=True)
def test_an_actions_poke_reaches_the_team_and_assignee_it_committed_without_reading_them_back(personas):
    ticket = customer_ticket(team_slug=personas.team.slug)

    def assign_counting_queries_after_commit():
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            actions.assign(ticket, agent=personas.agent, by=None)
            in_transaction = len(queries.captured_queries)
        after_commit.extend(queries.captured_queries[in_transaction + 1 :])  # + 1: the COMMIT

    after_commit: list[dict] = []
    poked = groups_poked(ticket, assign_counting_queries_after_commit)
    assert {f"inbox.team.{personas.team.pk}", f"inbox.user.{personas.agent.pk}"} <= set(poked)
    # The reassignment's own lookup of the previous assignee is the only read left ("assigned").
    assert [query["sql"] for query in after_commit if 'FROM "tickets_ticket" ' in query["sql"]] == []


@pytest.mark.django_db(transaction=True)
def test_a_reassignment_also_pokes_the_previous_assignees_list(personas):
    ticket = customer_ticket()
    actions.assign(ticket, agent=personas.agent, by=None)
    actions.assign(ticket, agent=personas.teammate, by=None)
    poked = groups_poked(ticket, lambda: live.publish_ticket_changed(ticket.pk, "assigned"))
    assert {f"inbox.user.{personas.agent.pk}", f"inbox.user.{personas.teammate.pk}"} <= set(poked)


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_outage_never_fails_the_change(personas, settings, caplog):
    ticket = customer_ticket()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }

    async def scenario():
        await database_sync_to_async(live.publish_ticket_changed)(ticket.pk, "status")

    run(scenario)
    [record] = [r for r in caplog.records if r.getMessage().startswith("Could not publish ticket.changed")]
    assert type(record.exc_info[1]).__name__ == "ConnectionError"  # not a RuntimeError of our own


def test_fragments_are_for_agents_only(client, personas):
    ticket = customer_ticket()
    fragment = reverse("chat:agent-conversation", args=[ticket.pk])
    assert client.get(fragment).status_code == 302  # to the login page
    client.force_login(personas.outsider)
    assert client.get(fragment).status_code == 403
    assert client.get(reverse("chat:agent-inbox")).status_code == 403
    client.force_login(personas.agent)
    assert client.get(fragment).status_code == 200
    assert client.get(reverse("chat:agent-presence-board")).status_code == 403  # supervisors only
    client.force_login(personas.supervisor)
    assert client.get(reverse("chat:agent-presence-board")).status_code == 200


def test_the_conversation_fragment_shows_notes_and_delivery_and_names_its_last_message(client, personas):
    ticket = customer_ticket("Paket belum sampai")
    actions.add_note(ticket, by=personas.agent, text="Cek resi dulu")
    reply = actions.reply(ticket, by=personas.agent, text="Kami cek ya")
    client.force_login(personas.teammate)
    html = client.get(reverse("chat:agent-conversation", args=[ticket.pk])).content.decode()
    assert html.lstrip().startswith(f'<div class="sd-conversation" data-live-ticket="{ticket.pk}"')
    assert f'data-last-message-id="{reply.pk}"' in html
    assert "Cek resi dulu" in html and "Internal note" in html
    assert Message.objects.get(pk=reply.pk).get_delivery_status_display() in html


def test_the_inbox_fragment_lists_open_tickets_in_a_fixed_number_of_queries(
    client, personas, django_assert_max_num_queries
):
    for n in range(3):
        customer_ticket(f"Masalah {n}", sender=f"c{n}@example.test", team_slug=personas.team.slug)
    client.force_login(personas.agent)
    url = reverse("chat:agent-inbox") + f"?scope=team:{personas.team.pk}"
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(3, 13):
        customer_ticket(f"Masalah {n}", sender=f"c{n}@example.test", team_slug=personas.team.slug)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count("data-live-ticket=") == 13


def test_mine_lists_only_my_tickets(client, personas):
    mine, other = (
        customer_ticket("Satu", sender="a@example.test"),
        customer_ticket("Dua", sender="b@example.test"),
    )
    actions.assign(mine, agent=personas.agent, by=None)
    actions.assign(other, agent=personas.teammate, by=None)
    client.force_login(personas.agent)
    html = client.get(reverse("chat:agent-inbox") + "?scope=mine").content.decode()
    assert mine.reference in html and other.reference not in html


def test_an_agent_answers_a_chat_from_the_chat_page(
    client, widget, personas, django_capture_on_commit_callbacks
):
    go_online(personas.agent)
    session = make_session(widget)
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo?").ticket
    client.force_login(personas.agent)
    page = client.get(reverse("chat:agent-ticket", args=[ticket.pk])).content.decode()
    assert "desk/live.js" in page and f'data-ticket="{ticket.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("chat:agent-reply", args=[ticket.pk]), {"text": "Halo Budi!"})
    assert response.status_code == 303
    reply = ticket.messages.get(direction="out")
    assert reply.text == "Halo Budi!" and reply.delivery_status == DeliveryStatus.SENT
    assert client.post(reverse("chat:agent-reply", args=[ticket.pk]), {"text": "  "}).status_code == 400


def test_the_presence_fallback_sets_the_agents_status(client, personas):
    client.force_login(personas.agent)
    assert client.post(reverse("chat:agent-presence-set"), {"status": "online"}).status_code == 204
    assert client.post(reverse("chat:agent-presence-set"), {"status": "busy"}).status_code == 400
    personas.agent.agent.refresh_from_db()
    assert personas.agent.agent.presence == "online"
