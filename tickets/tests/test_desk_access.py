"""Who gets into the desk: agents in, anonymous visitors to the login page, other users a 403 saying why."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, customer_ticket, make_user
from tickets.models import Status

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/desk/?view=open")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/desk/%3Fview%3Dopen"


def test_an_anonymous_visitor_cannot_open_a_ticket_or_post_to_it(client, personas):
    ticket = customer_ticket()
    assert client.get(f"/desk/tickets/{ticket.pk}/").status_code == 302
    response = client.post(f"/desk/tickets/{ticket.pk}/status/", {"status": Status.RESOLVED})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_a_logged_in_user_without_an_agent_profile_gets_a_403_that_says_why(desk_client, personas):
    desk_client.force_login(personas.outsider)
    response = desk_client.get("/desk/")
    assert response.status_code == 403
    content = response.content.decode()
    assert "no agent profile" in content
    assert personas.outsider.username in content
    assert 'action="/accounts/logout/"' in content


def test_a_user_without_an_agent_profile_cannot_change_a_ticket(client, personas):
    ticket = customer_ticket()
    client.force_login(personas.outsider)
    response = client.post(f"/desk/tickets/{ticket.pk}/take/")
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_deactivated_agent_is_treated_as_logged_out(client, personas):
    client.force_login(personas.teammate)
    personas.teammate.is_active = False
    personas.teammate.save(update_fields=["is_active"])
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_agent_gets_the_inbox(agent_client):
    response = agent_client.get("/desk/")
    assert response.status_code == 200
    assert b"SupportDesk" in response.content


def test_an_agent_logs_in_with_the_form_and_lands_in_the_desk(client, personas):
    page = client.get("/accounts/login/?next=/desk/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/desk/"})
    assert response.status_code == 302
    assert response["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong", "next": "/desk/"})
    assert response.status_code == 200
    assert b"alert-error" in response.content
    assert client.get("/desk/").status_code == 302


def test_logging_out_ends_the_session(agent_client):
    response = agent_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert agent_client.get("/desk/").status_code == 302


def test_the_language_switcher_changes_the_page_language(client, personas):
    client.force_login(personas.agent)
    agent_client = client
    page = agent_client.get("/desk/").content.decode()
    assert f'action="{reverse("set_language")}"' in page
    assert 'value="id"' in page and 'value="en"' in page
    response = agent_client.post(reverse("set_language"), {"language": "en", "next": "/desk/?view=open"})
    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=open"
    assert '<html lang="en">' in agent_client.get("/desk/").content.decode()
    agent_client.post(reverse("set_language"), {"language": "id", "next": "/desk/"})
    assert '<html lang="id">' in agent_client.get("/desk/").content.decode()


def test_an_agent_of_any_role_gets_in(client, personas):
    supervisor_only = make_user("dewi", role="supervisor")
    client.force_login(supervisor_only)
    assert client.get("/desk/").status_code == 200
