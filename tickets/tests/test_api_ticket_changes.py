"""POST /api/tickets/ (an agent opens a ticket) and PATCH /api/tickets/<id>/ (changes through actions)."""

from __future__ import annotations

import pytest

from tests.factories import customer_ticket, make_user
from tickets import actions
from tickets.models import Channel, Direction, HoldReason, Priority, Status, TicketEvent

pytestmark = pytest.mark.django_db


def kinds(ticket_id: int) -> list[str]:
    return list(TicketEvent.objects.filter(ticket_id=ticket_id).values_list("kind", flat=True))


# --- Create ------------------------------------------------------------------------------------------


def test_an_agent_logs_a_phone_call_as_a_new_ticket(
    api, personas, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/tickets/",
            {
                "channel": "phone",
                "phone": "0812-3456-7890",
                "name": "Rina Wulandari",
                "subject": "Top up pulsa pending",
                "text": "Sudah bayar 50.000 via QRIS, status masih pending.",
                "category": "order-pending",
                "order_ref": "TOPUP-889120",
                "requester_role": "buyer",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == Channel.PHONE
    assert body["contact"]["phone"] == "+6281234567890"
    assert body["category"] == "order-pending"
    assert body["order_ref"] == "TOPUP-889120"
    assert body["requester_role"] == "buyer"
    message = api.get(f"/api/tickets/{body['id']}/messages/").json()["results"][0]
    assert message["direction"] == Direction.INBOUND
    assert message["author_user"]["username"] == "alice"  # who logged the call
    assert kinds(body["id"]) == [TicketEvent.Kind.CREATED, TicketEvent.Kind.MESSAGE]
    assert mailoutbox == []  # no address, so no acknowledgement


def test_an_email_ticket_opened_by_an_agent_acknowledges_the_customer(
    api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/tickets/",
            {
                "channel": "email",
                "email": "Siti.Aminah@Example.test",
                "phone": "+62 811 2233 4455",
                "name": "Siti Aminah",
                "subject": "Transaksi tidak dikenal",
                "text": "Ada transaksi yang tidak saya lakukan.",
                "category": "card-fraud",
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == Channel.EMAIL
    assert body["contact"]["email"] == "siti.aminah@example.test"
    assert body["contact"]["phone"] == "+6281122334455"
    # A security category escalates at once, and that escalation rule raises the priority to urgent.
    assert body["priority"] == Priority.URGENT
    customer_mail = [mail for mail in mailoutbox if mail.to == ["siti.aminah@example.test"]]
    assert len(customer_mail) == 1
    assert body["reference"] in customer_mail[0].subject


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "phone", "subject": "s", "text": "t"}, "phone"),
        ({"channel": "email", "subject": "s", "text": "t", "phone": "08123456789"}, "email"),
        ({"channel": "email", "subject": "s", "text": "t", "email": "not an address"}, "email"),
        ({"channel": "phone", "subject": "s", "text": "t", "phone": "12"}, "phone"),
        ({"channel": "whatsapp", "subject": "s", "text": "t", "phone": "08123456789"}, "channel"),
        ({"phone": "08123456789", "text": "t"}, "subject"),
        ({"phone": "08123456789", "subject": "s", "text": "t", "category": "nope"}, "category"),
    ],
)
def test_creating_a_ticket_with_bad_input_names_the_field(api, payload, field):
    response = api.post("/api/tickets/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_field_the_api_does_not_know_is_refused_not_ignored(api):
    payload = {"phone": "08123456789", "subject": "s", "text": "t", "assignee": 1}
    response = api.post("/api/tickets/", payload, format="json")
    assert response.status_code == 400
    assert "Unknown or read-only fields: assignee" in response.json()["non_field_errors"][0]


# --- Update ------------------------------------------------------------------------------------------


def test_a_patch_changes_each_field_through_its_action_with_an_event(api, personas):
    ticket = customer_ticket()
    response = api.patch(
        f"/api/tickets/{ticket.pk}/",
        {
            "status": "on_hold",
            "hold_reason": "courier",
            "priority": "high",
            "category": "shipping",
            "team": "buyers",
            "assignee": personas.teammate.pk,
            "tags": ["JNE", "kurir"],
            "order_ref": "ORD-2026-5521",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["hold_reason"], body["priority"]) == ("on_hold", "courier", "high")
    assert (body["category"], body["team"], body["order_ref"]) == ("shipping", "buyers", "ORD-2026-5521")
    assert body["assignee"]["username"] == "bima"
    assert sorted(body["tags"]) == ["jne", "kurir"]
    events = TicketEvent.objects.filter(ticket=ticket, actor=personas.agent)
    assert {e.kind for e in events} == {
        TicketEvent.Kind.STATUS,
        TicketEvent.Kind.PRIORITY,
        TicketEvent.Kind.CATEGORY,
        TicketEvent.Kind.TEAM,
        TicketEvent.Kind.ASSIGNED,
        TicketEvent.Kind.TAGS,
    }
    status_event = events.get(kind=TicketEvent.Kind.STATUS)
    assert (status_event.before, status_event.after) == (
        "new",
        {"status": "on_hold", "hold_reason": "courier"},
    )


def test_an_illegal_status_move_is_a_400_with_the_reason_and_changes_nothing(api, personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    before = kinds(ticket.pk)
    response = api.patch(
        f"/api/tickets/{ticket.pk}/", {"priority": "urgent", "status": "open"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "A ticket cannot move from “Closed” to “Open”."}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.CLOSED, Priority.NORMAL)  # the priority was undone too
    assert kinds(ticket.pk) == before


def test_a_legal_status_move_is_recorded_with_the_agent_as_actor(api, personas):
    ticket = customer_ticket()
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 200
    assert response.json()["resolved_at"] is not None
    event = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.STATUS).get()
    assert (event.actor, event.before, event.after) == (personas.agent, "new", "resolved")


def test_assigning_a_user_who_is_not_an_agent_is_refused_by_the_action(api, personas):
    ticket = customer_ticket()
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"assignee": personas.outsider.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "olga is not an agent."


def test_unassigning_and_clearing_the_category_accept_null(api, personas):
    ticket = customer_ticket(category_slug="refund")
    actions.assign(ticket, agent=personas.agent, by=personas.agent)
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"assignee": None, "category": None}, format="json")
    assert response.status_code == 200
    assert (response.json()["assignee"], response.json()["category"]) == (None, None)


def test_an_on_hold_reason_without_the_on_hold_status_is_refused(api):
    ticket = customer_ticket()
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"hold_reason": HoldReason.COURIER}, format="json")
    assert response.status_code == 400
    assert "hold_reason" in response.json()


def test_the_on_hold_reason_can_change_while_the_ticket_stays_on_hold(api, personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.ON_HOLD, hold_reason=HoldReason.COURIER, by=personas.agent)
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"hold_reason": "seller"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["hold_reason"]) == ("on_hold", "seller")


def test_a_read_only_field_in_a_patch_is_refused(api):
    ticket = customer_ticket()
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"subject": "Edited"}, format="json")
    assert response.status_code == 400
    assert "subject" in response.json()["non_field_errors"][0]


def test_put_is_not_offered(api):
    ticket = customer_ticket()
    assert api.put(f"/api/tickets/{ticket.pk}/", {"status": "open"}, format="json").status_code == 405


def test_an_inactive_agent_cannot_be_assigned(api, personas):
    gone = make_user("gone", role="agent", is_active=False)
    ticket = customer_ticket()
    response = api.patch(f"/api/tickets/{ticket.pk}/", {"assignee": gone.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "gone is deactivated."
