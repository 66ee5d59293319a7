"""/api/contacts/: looking customers up, their identities and tickets, merging duplicates."""

from __future__ import annotations

import pytest

from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.models import Channel, Contact, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def budi_twice():
    """One customer known twice: by email and, separately, by WhatsApp number."""
    email_ticket = customer_ticket(sender="budi@example.test", name="Budi Santoso")
    chat_ticket = actions.receive_message(
        inbound(
            "halo",
            channel=Channel.WHATSAPP,
            kind="phone",
            sender="6281234567890",
            name="",
            external_id="wamid.c1",
        )
    ).ticket
    return email_ticket, chat_ticket


def test_contacts_are_searched_by_name_and_by_address(api, budi_twice):
    email_ticket, chat_ticket = budi_twice
    by_name = api.get("/api/contacts/", {"q": "budi sant"}).json()["results"]
    assert [c["id"] for c in by_name] == [email_ticket.contact_id]
    by_phone = api.get("/api/contacts/", {"q": "81234567890"}).json()["results"]
    assert [c["id"] for c in by_phone] == [chat_ticket.contact_id]
    assert by_phone[0]["identities"] == [{"kind": "phone", "address": "+6281234567890", "display_name": ""}]
    assert api.get("/api/contacts/").json()["count"] == 2


def test_a_contact_shows_its_identities_and_tickets(api, budi_twice):
    email_ticket, _chat = budi_twice
    response = api.get(f"/api/contacts/{email_ticket.contact_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Budi Santoso"
    assert body["identities"][0]["address"] == "budi@example.test"
    assert body["ticket_count"] == 1
    assert [t["reference"] for t in body["tickets"]] == [email_ticket.reference]


def test_merging_contacts_moves_identities_and_tickets(api, personas, budi_twice):
    email_ticket, chat_ticket = budi_twice
    response = api.post(
        f"/api/contacts/{chat_ticket.contact_id}/merge/", {"into": email_ticket.contact_id}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == email_ticket.contact_id
    assert {i["address"] for i in body["identities"]} == {"budi@example.test", "+6281234567890"}
    assert body["ticket_count"] == 2
    chat_ticket.refresh_from_db()
    assert chat_ticket.contact_id == email_ticket.contact_id
    assert TicketEvent.objects.filter(
        ticket=chat_ticket, kind=TicketEvent.Kind.CONTACT, actor=personas.agent
    ).exists()
    # The merged contact leaves the list unless asked for.
    listed = [c["id"] for c in api.get("/api/contacts/").json()["results"]]
    assert listed == [email_ticket.contact_id]
    with_merged = api.get("/api/contacts/", {"include_merged": "true"}).json()["results"]
    assert len(with_merged) == 2


def test_a_merged_contact_cannot_be_merged_again(api, budi_twice):
    email_ticket, chat_ticket = budi_twice
    third = Contact.objects.create(name="Budi (duplicate)")
    actions.merge_contacts(Contact.objects.get(pk=chat_ticket.contact_id), into=email_ticket.contact, by=None)
    again = api.post(f"/api/contacts/{chat_ticket.contact_id}/merge/", {"into": third.pk}, format="json")
    assert again.status_code == 400
    assert again.json() == {
        "detail": "This contact was already merged; merge into the contact it was merged into."
    }
    into_merged = api.post(
        f"/api/contacts/{third.pk}/merge/", {"into": chat_ticket.contact_id}, format="json"
    )
    assert into_merged.status_code == 400
    assert "into" in into_merged.json()


def test_a_contact_cannot_be_merged_into_itself(api, budi_twice):
    email_ticket, _chat = budi_twice
    response = api.post(
        f"/api/contacts/{email_ticket.contact_id}/merge/", {"into": email_ticket.contact_id}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "A contact cannot be merged into itself."}


def test_a_page_of_contacts_costs_a_fixed_number_of_queries(api, django_assert_max_num_queries):
    for n in range(12):
        customer_ticket(sender=f"c{n}@example.test", name=f"Customer {n}")
    for size in (2, 12):
        # session, user, agent profile, count, page, identities
        with django_assert_max_num_queries(6):
            response = api.get(f"/api/contacts/?page_size={size}")
        assert len(response.json()["results"]) == size
