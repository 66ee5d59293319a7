"""The parts of the ticket page live.js fetches when the ticket changed (tickets.views.desk.parts)."""

import re

import pytest
from django.test import Client

from tests.factories import customer_ticket, inbound
from tickets import actions, live

pytestmark = pytest.mark.django_db


def parts(client, ticket, names, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = client.get(f"/desk/tickets/{ticket.pk}/parts/?parts={names}&{query}")
    assert response.status_code == 200
    return response.content.decode()


def follow_up(ticket, text):
    return actions.receive_message(inbound(text, subject_ticket_number=ticket.pk)).message


def test_it_sends_only_the_messages_after_the_last_one_the_page_shows(agent_client):
    ticket = customer_ticket("Paket belum sampai")
    shown = ticket.messages.get()
    first, second = follow_up(ticket, "Sudah seminggu"), follow_up(ticket, "Tolong dicek")
    html = parts(agent_client, ticket, "messages", after=shown.pk)
    assert re.findall(r'id="message-(\d+)"', html) == [str(first.pk), str(second.pk)]
    assert f'data-last-message-id="{second.pk}"' in html
    assert "Paket belum sampai" not in html
    assert 'id="ticket-head"' not in html and 'id="desk-nav"' not in html  # not asked for
    # Nothing new: an empty list that keeps the page's last id.
    html = parts(agent_client, ticket, "messages", after=second.pk)
    assert 'id="message-' not in html and f'data-last-message-id="{second.pk}"' in html


def test_a_new_message_costs_the_same_few_queries_however_long_the_ticket(
    agent_client, django_assert_max_num_queries
):
    ticket = customer_ticket("Paket belum sampai")
    shown = follow_up(ticket, "Halo")
    follow_up(ticket, "Masih belum")
    # Session, user, agent profile; the ticket; messages and their files; timeline entries.
    with django_assert_max_num_queries(7) as few:
        parts(agent_client, ticket, "messages,timeline", after=shown.pk, events_after=0)
    for n in range(20):
        follow_up(ticket, f"Pesan {n}")
    last = ticket.messages.order_by("-pk").first()
    follow_up(ticket, "Yang terbaru")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = parts(agent_client, ticket, "messages,timeline", after=last.pk, events_after=0)
    assert "Yang terbaru" in html and "Pesan 19" not in html


def test_new_timeline_entries_come_after_the_last_one_shown(agent_client, personas):
    ticket = customer_ticket()
    shown = ticket.events.order_by("-pk").first()
    actions.assign(ticket, agent=personas.teammate, by=personas.agent)
    newest = ticket.events.order_by("-pk").first()
    html = parts(agent_client, ticket, "timeline", events_after=shown.pk)
    assert html.count('<li class="ev') == 1 and "ev-assigned" in html
    assert f'data-last-event-id="{newest.pk}"' in html


def test_the_header_part_is_the_pages_own_and_its_escalation_form_returns_to_the_page(agent_client):
    ticket = customer_ticket()
    html = parts(agent_client, ticket, "head,nav")
    ticket.refresh_from_db()
    assert f'data-live-state="{live.head_state(ticket)}"' in html
    assert 'id="ticket-head"' in html and 'id="ticket-properties"' in html and 'id="desk-nav"' in html
    assert f'name="next" value="/desk/tickets/{ticket.pk}/"' in html
    page = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert f'data-live-state="{live.head_state(ticket)}"' in page


def test_the_whole_conversation_comes_when_asked_for(agent_client):
    ticket = customer_ticket("Paket belum sampai")
    follow_up(ticket, "Sudah seminggu")
    html = parts(agent_client, ticket, "conversation,messages", after=0)
    assert html.count('id="conversation"') == 1 and html.count('class="msg ') == 2


def test_parts_are_for_agents_only(personas):
    ticket = customer_ticket()
    url = f"/desk/tickets/{ticket.pk}/parts/?parts=messages"
    client = Client()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(personas.outsider)
    assert client.get(url).status_code == 403
    assert Client().post(url).status_code == 405
