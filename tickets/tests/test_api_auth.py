"""Who may use the API: agents (session or token); anonymous clients and non-agents are refused."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import customer_ticket
from tickets.tests.clients import english_client, token_client

pytestmark = pytest.mark.django_db


def make_token(username: str, *args: str) -> str:
    out = io.StringIO()
    call_command("api_token", username, *args, stdout=out)
    return out.getvalue().strip()


def test_an_anonymous_client_is_asked_to_authenticate_with_a_token(personas):
    response = APIClient().get("/api/tickets/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_logged_in_user_without_an_agent_profile_is_refused(personas):
    client = english_client()
    client.force_login(personas.outsider)
    response = client.get("/api/tickets/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only SupportDesk agents can use this API."


def test_a_non_agent_gets_403_on_a_ticket_that_exists(personas):
    ticket = customer_ticket()
    client = APIClient()
    client.force_login(personas.outsider)
    assert client.get(f"/api/tickets/{ticket.pk}/").status_code == 403
    assert client.post(f"/api/tickets/{ticket.pk}/notes/", {"text": "x"}, format="json").status_code == 403


def test_an_agent_logged_in_by_session_lists_tickets(api):
    customer_ticket()
    response = api.get("/api/tickets/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_an_agent_token_from_the_management_command_authenticates(personas):
    customer_ticket()
    key = make_token("alice")
    assert Token.objects.get(user=personas.agent).key == key
    assert make_token("alice") == key  # asking again prints the same token
    response = token_client(key).get("/api/tickets/")
    assert response.status_code == 200
    assert response.json()["results"][0]["contact"]["email"] == "budi@example.test"


def test_rotating_a_token_revokes_the_old_one(personas):
    old = make_token("alice")
    new = make_token("alice", "--rotate")
    assert new != old
    assert token_client(old).get("/api/tickets/").status_code == 401
    assert token_client(new).get("/api/tickets/").status_code == 200


def test_no_token_is_made_for_a_user_who_is_not_an_agent(personas):
    with pytest.raises(CommandError, match="not an active agent"):
        make_token("olga")
    with pytest.raises(CommandError, match="no user named"):
        make_token("nobody")
    assert not Token.objects.exists()


def test_a_deactivated_agent_token_stops_working(personas):
    key = make_token("alice")
    personas.agent.is_active = False
    personas.agent.save(update_fields=["is_active"])
    assert token_client(key).get("/api/tickets/").status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/tickets/999999/",
        "/api/tickets/999999/messages/",
        "/api/tickets/999999/events/",
        "/api/contacts/999999/",
    ],
)
def test_unknown_ids_are_404(api, path):
    response = api.get(path)
    assert response.status_code == 404


def test_posting_to_an_unknown_ticket_is_404(api):
    response = api.post("/api/tickets/999999/notes/", {"text": "hello"}, format="json")
    assert response.status_code == 404
    assert api.get("/api/attachments/999999/download/").status_code == 404
