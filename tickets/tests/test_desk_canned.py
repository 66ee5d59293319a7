"""Canned replies: offered on the reply box by language, filled server-side, never run as templates."""

import pytest

from tests.factories import customer_ticket
from tickets.models import CannedReply, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    return customer_ticket(name="Budi Santoso", order_ref="INV/20261118/MPL/3612345678")


def fetch(client, ticket, reply):
    return client.get(f"/desk/tickets/{ticket.pk}/canned/{reply.pk}/")


def test_the_variables_are_filled_from_the_ticket(agent_client, ticket):
    reply = CannedReply.objects.create(
        title="Pesanan tertunda",
        language="id",
        body="Halo {{ name }}, pesanan {{order}} pada tiket {{  ticket }} sedang kami cek.",
    )
    response = fetch(agent_client, ticket, reply)
    assert response.status_code == 200
    assert response.json() == {
        "title": "Pesanan tertunda",
        "language": "id",
        "text": f"Halo Budi Santoso, pesanan INV/20261118/MPL/3612345678 pada tiket #SD-{ticket.pk} sedang kami cek.",
        "missing": [],
    }


def test_a_variable_the_ticket_has_no_value_for_is_left_in_place_and_reported(agent_client, personas):
    ticket = customer_ticket(sender="anon@example.test", name="")
    reply = CannedReply.objects.create(title="Order", language="en", body="Hi {{ name }}, order {{ order }}.")
    data = fetch(agent_client, ticket, reply).json()
    assert data["text"] == "Hi Customer, order {{ order }}."
    assert data["missing"] == ["order"]


def test_template_syntax_in_a_canned_reply_is_not_executed(agent_client, ticket):
    body = (
        "{% load static %}{% debug %} {{ settings.SECRET_KEY }} {{ ticket.contact.notes }} {{ name|upper }}"
    )
    reply = CannedReply.objects.create(title="Nakal", language="en", body=body)
    data = fetch(agent_client, ticket, reply).json()
    assert data["text"] == body
    assert "test-secret-key" not in data["text"]


def test_the_picker_lists_indonesian_and_english_replies_with_their_language(agent_client, ticket):
    CannedReply.objects.create(title="Salam pembuka", language="id", body="Halo {{ name }}")
    CannedReply.objects.create(title="Greeting", language="en", body="Hello {{ name }}")
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert '<optgroup label="Bahasa Indonesia">' in html
    assert '<optgroup label="English">' in html
    assert "[ID] Salam pembuka" in html
    assert "[EN] Greeting" in html


def test_a_reply_for_another_team_is_not_offered(agent_client, ticket, personas):
    sellers = Team.objects.create(name="Tim Penjual", slug="sellers")
    theirs = CannedReply.objects.create(
        title="Khusus penjual", language="id", body="Untuk penjual", team=sellers
    )
    ours = CannedReply.objects.create(title="Untuk tim kami", language="id", body="Halo", team=personas.team)
    html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Khusus penjual" not in html
    assert "Untuk tim kami" in html
    assert fetch(agent_client, ticket, theirs).status_code == 404
    assert fetch(agent_client, ticket, ours).status_code == 200


def test_only_agents_may_fetch_a_canned_reply(client, ticket, personas):
    reply = CannedReply.objects.create(title="Salam", language="id", body="Halo {{ name }}")
    assert fetch(client, ticket, reply).status_code == 302
    client.force_login(personas.outsider)
    assert fetch(client, ticket, reply).status_code == 403
