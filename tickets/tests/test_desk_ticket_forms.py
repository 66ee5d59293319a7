"""Every form on the ticket page calls its action, and a refused action is shown, not swallowed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import customer_ticket
from tickets import actions
from tickets.models import Category, Direction, Message, Priority, Status, Team, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas):
    return customer_ticket("Paket saya belum sampai", order_ref="INV/1")


def post(client, ticket, form, data=None, **kwargs):
    return client.post(f"/desk/tickets/{ticket.pk}/{form}/", data or {}, **kwargs)


def assert_redirects_to(response, ticket):
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"


def test_a_reply_is_queued_to_the_customer_and_shown(agent_client, ticket, personas, mailoutbox):
    response = post(agent_client, ticket, "reply", {"text": "Baik kak, kami cek dulu ya."})
    assert_redirects_to(response, ticket)
    message = ticket.messages.get(direction=Direction.OUTBOUND)
    assert message.text == "Baik kak, kami cek dulu ya."
    assert message.author_user == personas.agent
    page = agent_client.get(response["Location"]).content.decode()
    assert "Reply queued for sending." in page
    assert "Baik kak, kami cek dulu ya." in page


def test_a_reply_can_set_the_status_and_carry_attachments(agent_client, ticket, desk_fixture):
    upload = SimpleUploadedFile("invoice.pdf", desk_fixture("invoice.pdf"), content_type="application/pdf")
    response = post(
        agent_client,
        ticket,
        "reply",
        {"text": "Terlampir invoice.", "status": "pending", "attachments": [upload]},
    )
    assert_redirects_to(response, ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    attachment = ticket.messages.get(direction=Direction.OUTBOUND).attachments.get()
    assert (attachment.filename, attachment.content_type) == ("invoice.pdf", "application/pdf")


def test_a_refused_reply_shows_why_and_keeps_the_text(agent_client, ticket, personas):
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    response = post(agent_client, ticket, "reply", {"text": "Teks yang panjang dan penting"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This ticket is closed" in html
    assert "Teks yang panjang dan penting</textarea>" in html
    assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()


def test_an_empty_reply_is_refused_with_the_actions_message(agent_client, ticket):
    response = post(agent_client, ticket, "reply", {"text": "   "})
    assert response.status_code == 400
    assert "A reply needs some text or an attachment." in response.content.decode()


def test_a_reply_that_sets_an_illegal_status_sends_nothing(agent_client, ticket, personas):
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    response = post(agent_client, ticket, "reply", {"text": "Halo", "status": "pending"})
    assert response.status_code == 400
    assert "cannot move from" in response.content.decode()
    assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()


def test_an_internal_note_is_added(agent_client, ticket):
    assert_redirects_to(post(agent_client, ticket, "note", {"text": "Cek ke kurir besok"}), ticket)
    assert ticket.messages.get(direction=Direction.NOTE).text == "Cek ke kurir besok"


def test_take_assigns_the_ticket_to_me(agent_client, ticket, personas):
    assert_redirects_to(post(agent_client, ticket, "take"), ticket)
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent


def test_assign_gives_the_ticket_to_another_agent_or_back_to_the_queue(agent_client, ticket, personas):
    assert_redirects_to(post(agent_client, ticket, "assign", {"agent": personas.teammate.pk}), ticket)
    ticket.refresh_from_db()
    assert ticket.assignee == personas.teammate
    assert_redirects_to(post(agent_client, ticket, "assign", {"agent": ""}), ticket)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_user_who_is_not_an_agent_cannot_be_assigned(agent_client, ticket, personas):
    response = post(agent_client, ticket, "assign", {"agent": personas.outsider.pk})
    assert response.status_code == 400
    assert "Assignee:" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_team_is_set(agent_client, ticket):
    sellers = Team.objects.create(name="Tim Penjual", slug="sellers")
    assert_redirects_to(post(agent_client, ticket, "team", {"team": sellers.pk}), ticket)
    ticket.refresh_from_db()
    assert ticket.team == sellers


def test_the_status_is_changed(agent_client, ticket):
    assert_redirects_to(post(agent_client, ticket, "status", {"status": "resolved"}), ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_an_illegal_status_move_shows_the_actions_message(agent_client, ticket, personas):
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    response = post(agent_client, ticket, "status", {"status": "open"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A ticket cannot move from “Closed” to “Open”." in html
    assert "alert-error" in html
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_on_hold_needs_a_reason(agent_client, ticket):
    response = post(agent_client, ticket, "status", {"status": "on_hold"})
    assert response.status_code == 400
    assert "Say what the ticket is waiting for." in response.content.decode()
    assert_redirects_to(
        post(agent_client, ticket, "status", {"status": "on_hold", "hold_reason": "courier"}), ticket
    )
    ticket.refresh_from_db()
    assert (ticket.status, ticket.hold_reason) == (Status.ON_HOLD, "courier")


def test_priority_category_tags_and_order_number_are_saved(agent_client, ticket):
    refund = Category.objects.get(slug="refund")
    assert_redirects_to(post(agent_client, ticket, "priority", {"priority": "urgent"}), ticket)
    assert_redirects_to(post(agent_client, ticket, "category", {"category": refund.pk}), ticket)
    assert_redirects_to(post(agent_client, ticket, "tags", {"tags": "Ongkir, vip , ,"}), ticket)
    assert_redirects_to(
        post(agent_client, ticket, "order", {"order_ref": " INV/20261118/MPL/3612345678 "}), ticket
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert ticket.category == refund
    assert sorted(tag.name for tag in ticket.tags.all()) == ["ongkir", "vip"]
    assert ticket.order_ref == "INV/20261118/MPL/3612345678"
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {TicketEvent.Kind.PRIORITY, TicketEvent.Kind.CATEGORY, TicketEvent.Kind.TAGS} <= kinds


def test_an_unknown_priority_is_refused(agent_client, ticket):
    response = post(agent_client, ticket, "priority", {"priority": "asap"})
    assert response.status_code == 400
    assert "Priority:" in response.content.decode()


def test_a_ticket_is_merged_into_another_by_its_reference(agent_client, ticket, personas):
    target = customer_ticket(
        "Sama, lewat WhatsApp", channel="whatsapp", kind="phone", sender="+6281234567890"
    )
    response = post(agent_client, ticket, "merge", {"into": f"#SD-{target.pk}"})
    assert_redirects_to(response, target)
    ticket.refresh_from_db()
    assert ticket.merged_into == target
    assert ticket.status == Status.CLOSED
    assert target.messages.count() == 2


def test_merging_into_an_unknown_ticket_or_itself_is_refused(agent_client, ticket):
    response = post(agent_client, ticket, "merge", {"into": "#SD-999999"})
    assert response.status_code == 400
    assert "There is no ticket #SD-999999." in response.content.decode()
    response = post(agent_client, ticket, "merge", {"into": str(ticket.pk)})
    assert response.status_code == 400
    assert "A ticket cannot be merged into itself." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.merged_into is None


def test_a_duplicate_contact_is_merged_into_the_tickets_contact(agent_client, ticket):
    duplicate = customer_ticket("Saya Budi juga", channel="whatsapp", kind="phone", sender="+6281234567890")
    assert duplicate.contact_id != ticket.contact_id
    response = post(agent_client, ticket, "merge-contact", {"address": "0812-3456-7890"})
    assert_redirects_to(response, ticket)
    duplicate.refresh_from_db()
    assert duplicate.contact_id == ticket.contact_id
    assert ticket.contact.identities.filter(address="+6281234567890").exists()


def test_merging_a_contact_with_an_unknown_address_is_refused(agent_client, ticket):
    response = post(agent_client, ticket, "merge-contact", {"address": "nobody@example.test"})
    assert response.status_code == 400
    assert "No contact has the address nobody@example.test." in response.content.decode()


def test_merging_a_contact_into_itself_shows_the_actions_message(agent_client, ticket):
    response = post(agent_client, ticket, "merge-contact", {"address": "budi@example.test"})
    assert response.status_code == 400
    assert "A contact cannot be merged into itself." in response.content.decode()


def test_forms_only_accept_post(agent_client, ticket):
    assert agent_client.get(f"/desk/tickets/{ticket.pk}/take/").status_code == 405
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_a_form_for_a_missing_ticket_is_a_404(agent_client):
    assert agent_client.post("/desk/tickets/999999/take/").status_code == 404
    assert Ticket.objects.count() == 0
    assert Message.objects.count() == 0
