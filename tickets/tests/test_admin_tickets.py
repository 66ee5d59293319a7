"""Changes made in the admin go through tickets.actions, so the audit trail stays complete."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.factories import customer_ticket
from tickets import actions
from tickets.access import SUPERVISORS_GROUP
from tickets.models import Category, ContactIdentity, Priority, Status, Tag, TicketEvent
from tickets.tests.forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(personas) -> Client:
    personas.supervisor.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(personas.supervisor)
    return client


def change_url(ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def submit(client: Client, ticket, **changes: str | list[str]):
    """Load the change form, alter some fields and submit it, as a supervisor would."""
    data = form_data(client.get(change_url(ticket)).content.decode(), "ticket_form")
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(change_url(ticket), data)


def test_a_status_change_in_the_admin_is_an_action_with_an_event(supervisor, personas):
    ticket = customer_ticket()
    response = submit(
        supervisor, ticket, status=Status.ON_HOLD, hold_reason="courier", priority=Priority.HIGH
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.status, ticket.hold_reason, ticket.priority) == (Status.ON_HOLD, "courier", Priority.HIGH)
    events = TicketEvent.objects.filter(ticket=ticket, actor=personas.supervisor)
    assert sorted(events.values_list("kind", flat=True)) == [
        TicketEvent.Kind.PRIORITY,
        TicketEvent.Kind.STATUS,
    ]


def test_assignee_team_category_and_tags_changed_in_the_admin_are_audited(supervisor, personas):
    ticket = customer_ticket()
    tag = Tag.objects.create(name="kurir")
    response = submit(
        supervisor,
        ticket,
        assignee=str(personas.teammate.pk),
        tags=[str(tag.pk)],
        order_ref="ORD-2026-5521",
        category=str(Category.objects.get(slug="refund").pk),
        team=str(personas.team.pk),
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == personas.teammate
    assert list(ticket.tags.values_list("name", flat=True)) == ["kurir"]
    assert ticket.order_ref == "ORD-2026-5521"
    assert (ticket.category.slug, ticket.team) == ("refund", personas.team)
    kinds = set(
        TicketEvent.objects.filter(ticket=ticket, actor=personas.supervisor).values_list("kind", flat=True)
    )
    assert {
        TicketEvent.Kind.ASSIGNED,
        TicketEvent.Kind.TAGS,
        TicketEvent.Kind.CATEGORY,
        TicketEvent.Kind.TEAM,
    } <= kinds


def test_saving_the_form_unchanged_records_nothing(supervisor):
    ticket = customer_ticket()
    before = list(TicketEvent.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert submit(supervisor, ticket).status_code == 302
    assert list(TicketEvent.objects.filter(ticket=ticket).values_list("pk", flat=True)) == before


def test_a_supervisor_edits_a_contacts_tier_and_adds_an_identity_inline(supervisor):
    contact = customer_ticket().contact
    url = reverse("admin:tickets_contact_change", args=[contact.pk])
    data = form_data(supervisor.get(url).content.decode(), "contact_form")
    data["tier"] = ["vip"]
    data["identities-TOTAL_FORMS"] = ["2"]
    data.update({"identities-1-kind": ["phone"], "identities-1-address": ["0812 9999 8888"]})
    response = supervisor.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    assert (contact.tier, contact.name) == ("vip", "Budi Santoso")
    assert sorted(contact.identities.values_list("address", flat=True)) == [
        "+6281299998888",
        "budi@example.test",
    ]


def test_an_illegal_status_in_the_admin_is_a_form_error_and_changes_nothing(supervisor, personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    response = submit(supervisor, ticket, status=Status.OPEN, priority=Priority.URGENT)
    assert response.status_code == 200
    assert "A ticket cannot move from “Closed” to “Open”." in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (Status.CLOSED, Priority.NORMAL)
    assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_only_agents_are_offered_as_assignees(supervisor, personas):
    html = supervisor.get(change_url(customer_ticket())).content.decode()
    select = re.search(r'<select name="assignee".*?</select>', html, re.S).group(0)
    offered = set(re.findall(r'<option value="(\d+)"', select))
    assert offered == {
        str(u.pk) for u in (personas.agent, personas.teammate, personas.supervisor, personas.admin)
    }


def test_the_resolve_action_goes_through_change_status(supervisor, personas):
    open_ticket = customer_ticket("satu", sender="satu@example.test")
    closed_ticket = customer_ticket("dua", sender="dua@example.test")
    actions.change_status(closed_ticket, status=Status.CLOSED, by=personas.agent)
    response = supervisor.post(
        reverse("admin:tickets_ticket_changelist"),
        {"action": "mark_resolved", "_selected_action": [open_ticket.pk, closed_ticket.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "1 ticket(s) moved to “Resolved”." in page
    assert f"{closed_ticket.reference}: A ticket cannot move from “Closed” to “Resolved”." in page
    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.RESOLVED and open_ticket.resolved_at is not None
    event = TicketEvent.objects.get(ticket=open_ticket, kind=TicketEvent.Kind.STATUS)
    assert (event.actor, event.before, event.after) == (personas.supervisor, "new", "resolved")


def test_tickets_cannot_be_added_or_deleted_in_the_admin(personas):
    client = Client()
    client.force_login(personas.admin)  # even a superuser
    ticket = customer_ticket()
    assert client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert (
        client.post(reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ticket.__class__.objects.filter(pk=ticket.pk).exists()


def test_ticket_events_are_append_only_in_the_admin(personas):
    client = Client()
    client.force_login(personas.admin)
    event = customer_ticket().events.first()
    assert client.get(reverse("admin:tickets_ticketevent_add")).status_code == 403
    delete = client.post(reverse("admin:tickets_ticketevent_delete", args=[event.pk]), {"post": "yes"})
    assert delete.status_code == 403
    change = client.post(reverse("admin:tickets_ticketevent_change", args=[event.pk]), {"kind": "note"})
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.kind == TicketEvent.Kind.CREATED
    changelist = client.get(reverse("admin:tickets_ticketevent_changelist")).content.decode()
    assert "delete_selected" not in changelist


def test_an_identity_added_in_the_admin_is_stored_normalised(supervisor, personas):
    contact = customer_ticket().contact
    response = supervisor.post(
        reverse("admin:tickets_contactidentity_add"),
        {"contact": contact.pk, "kind": "phone", "address": "0812-3456-7890", "display_name": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ContactIdentity.objects.filter(contact=contact, kind="phone", address="+6281234567890").exists()


def test_an_identity_that_cannot_be_normalised_is_a_form_error(supervisor):
    contact = customer_ticket().contact
    response = supervisor.post(
        reverse("admin:tickets_contactidentity_add"),
        {"contact": contact.pk, "kind": "email", "address": "not an address", "display_name": ""},
    )
    assert response.status_code == 200
    assert "is not a valid email address" in response.content.decode()
