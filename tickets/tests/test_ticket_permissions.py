"""Who may do what (docs/desk.md "Who gets in"): every agent reads every ticket and may add notes;
changing a ticket takes its team, its assignee, or a supervisor; the admin is for staff only."""

import pytest
from django.test import Client

from tests.factories import customer_ticket, make_user
from tickets.access import can_work_on, is_agent
from tickets.models import Direction, Priority, Role, Status, Team, Ticket
from tickets.tests.clients import english_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def sellers(db) -> Team:
    return Team.objects.create(name="Tim Penjual", slug="sellers")


@pytest.fixture
def sellers_ticket(sellers) -> Ticket:
    """A ticket of the sellers' team, which Alice (buyers) is not in."""
    ticket = customer_ticket(
        "Dana penjualan belum cair", sender="toko.maju@example.test", subject="Pencairan"
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=sellers)
    ticket.refresh_from_db()
    return ticket


def logged_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- The rule --------------------------------------------------------------------------------------


def test_an_agent_works_on_tickets_of_their_teams_without_a_team_or_assigned_to_them(
    personas, sellers, sellers_ticket
):
    own = customer_ticket(sender="a@example.test")
    Ticket.objects.filter(pk=own.pk).update(team=personas.team)
    own.refresh_from_db()
    loose = customer_ticket(sender="b@example.test")
    assert loose.team is None
    assert can_work_on(personas.agent, own)
    assert can_work_on(personas.agent, loose)
    assert not can_work_on(personas.agent, sellers_ticket)
    sellers_ticket.assignee = personas.agent
    assert can_work_on(personas.agent, sellers_ticket)


def test_supervisors_work_on_every_ticket_and_users_without_a_profile_on_none(personas, sellers_ticket):
    assert can_work_on(personas.supervisor, sellers_ticket)
    assert can_work_on(personas.admin, sellers_ticket)
    assert not can_work_on(personas.outsider, sellers_ticket)


def test_desk_access_needs_an_agent_profile_not_is_staff(personas):
    assert not personas.agent.is_staff and is_agent(personas.agent)
    staff_without_profile = make_user("hendra", is_staff=True)
    assert not is_agent(staff_without_profile)
    assert logged_in(staff_without_profile).get("/desk/").status_code == 403


def test_an_agent_cannot_reach_the_admin_but_a_supervisor_can(personas):
    assert logged_in(personas.agent).get("/admin/").status_code == 302  # to the admin login
    assert logged_in(personas.supervisor).get("/admin/").status_code == 200


# --- The desk --------------------------------------------------------------------------------------


def test_an_agent_reads_another_teams_ticket_and_is_told_it_is_read_only(personas, sellers_ticket):
    response = logged_in(personas.agent).get(f"/desk/tickets/{sellers_ticket.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Pencairan" in page
    assert "Tim Penjual" in page and "can change this ticket" in page


def test_an_agent_cannot_reply_to_or_change_another_teams_ticket(personas, sellers_ticket):
    client = logged_in(personas.agent)
    reply = client.post(f"/desk/tickets/{sellers_ticket.pk}/reply/", {"text": "Sudah kami cek ya."})
    assert reply.status_code == 403
    assert "Only Tim Penjual, the assignee or a supervisor can change this ticket." in reply.content.decode()
    assert "Sudah kami cek ya.</textarea>" in reply.content.decode()  # the agent's text is kept
    for path, data in [
        ("status", {"status": Status.RESOLVED}),
        ("priority", {"priority": Priority.URGENT}),
        ("take", {}),
    ]:
        assert client.post(f"/desk/tickets/{sellers_ticket.pk}/{path}/", data).status_code == 403, path
    sellers_ticket.refresh_from_db()
    assert (sellers_ticket.status, sellers_ticket.priority, sellers_ticket.assignee) == (
        Status.NEW,
        Priority.NORMAL,
        None,
    )
    assert not sellers_ticket.messages.filter(direction=Direction.OUTBOUND).exists()


def test_any_agent_may_leave_an_internal_note_on_any_ticket(personas, sellers_ticket):
    response = logged_in(personas.agent).post(
        f"/desk/tickets/{sellers_ticket.pk}/note/", {"text": "Penjual ini juga menelepon tim pembeli."}
    )
    assert response.status_code == 302
    assert sellers_ticket.messages.filter(direction=Direction.NOTE).count() == 1


def test_a_team_member_and_a_supervisor_change_the_ticket(personas, sellers, sellers_ticket):
    dewi = make_user("dewi", role=Role.AGENT, team=sellers)
    response = logged_in(dewi).post(f"/desk/tickets/{sellers_ticket.pk}/reply/", {"text": "Dana cair besok."})
    assert response.status_code == 302
    response = logged_in(personas.supervisor).post(
        f"/desk/tickets/{sellers_ticket.pk}/priority/", {"priority": Priority.HIGH}
    )
    assert response.status_code == 302
    sellers_ticket.refresh_from_db()
    assert sellers_ticket.priority == Priority.HIGH


# --- The API ---------------------------------------------------------------------------------------


def test_the_api_lets_an_agent_read_but_not_change_another_teams_ticket(personas, sellers_ticket):
    api = english_client()
    api.force_login(personas.agent)
    url = f"/api/tickets/{sellers_ticket.pk}/"
    assert api.get(url).status_code == 200
    assert api.get(f"{url}messages/").status_code == 200
    refused = api.patch(url, {"priority": "urgent"}, format="json")
    assert refused.status_code == 403
    assert "Only Tim Penjual, the assignee or a supervisor" in refused.json()["detail"]
    assert api.post(f"{url}messages/", {"text": "Halo"}, format="json").status_code == 403
    assert api.post(f"{url}notes/", {"text": "Catatan"}, format="json").status_code == 201
    sellers_ticket.refresh_from_db()
    assert sellers_ticket.priority == Priority.NORMAL


def test_the_api_refuses_a_merge_into_a_ticket_the_agent_may_not_change(personas, sellers_ticket):
    api = english_client()
    api.force_login(personas.agent)
    own = customer_ticket(sender="a@example.test")
    response = api.post(f"/api/tickets/{own.pk}/merge/", {"into": sellers_ticket.pk}, format="json")
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.merged_into is None


def test_the_api_lets_a_supervisor_change_any_ticket(personas, sellers_ticket):
    api = english_client()
    api.force_login(personas.supervisor)
    response = api.patch(f"/api/tickets/{sellers_ticket.pk}/", {"priority": "urgent"}, format="json")
    assert response.status_code == 200
