"""An agent logs a customer's phone call as a ticket."""

import pytest

from tickets.models import Channel, Direction, IdentityKind, Ticket

pytestmark = pytest.mark.django_db


def test_the_phone_ticket_form_is_offered(agent_client):
    response = agent_client.get("/desk/phone/new/")
    assert response.status_code == 200
    assert b'name="phone"' in response.content


def test_a_phone_call_becomes_a_ticket_for_the_caller(agent_client, personas):
    response = agent_client.post(
        "/desk/phone/new/",
        {
            "phone": "0812-3456-7890",
            "name": "Ibu Sari",
            "email": "sari.pembeli@example.test",
            "requester_role": "buyer",
            "category": "refund",
            "order_ref": "INV/20261118/MPL/3612345678",
            "subject": "Minta refund lewat telepon",
            "text": "Penelpon minta refund karena barang rusak.",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert ticket.channel == Channel.PHONE
    assert ticket.subject == "Minta refund lewat telepon"
    assert ticket.category.slug == "refund"
    assert ticket.order_ref == "INV/20261118/MPL/3612345678"
    assert ticket.requester_role == "buyer"
    assert ticket.contact.name == "Ibu Sari"
    addresses = set(ticket.contact.identities.values_list("kind", "address"))
    assert addresses == {
        (IdentityKind.PHONE, "+6281234567890"),
        (IdentityKind.EMAIL, "sari.pembeli@example.test"),
    }
    message = ticket.messages.get()
    assert message.direction == Direction.INBOUND
    assert message.author_user == personas.agent
    page = agent_client.get(response["Location"]).content.decode()
    assert f"Phone call logged on #SD-{ticket.pk}." in page


def test_a_bad_phone_number_is_refused_on_its_field_and_nothing_is_created(agent_client):
    response = agent_client.post(
        "/desk/phone/new/",
        {"phone": "12", "name": "X", "requester_role": "buyer", "subject": "S", "text": "T"},
    )
    assert response.status_code == 400
    assert "12 is not a valid phone number." in response.content.decode()
    assert 'value="X"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_required_fields_are_reported(agent_client):
    response = agent_client.post("/desk/phone/new/", {"phone": "+6281234567890"})
    assert response.status_code == 400
    assert response.content.decode().count('class="field-error"') == 4  # name, role, subject, text
    assert "This field is required." in response.content.decode()
    assert not Ticket.objects.exists()


def test_a_non_agent_cannot_log_a_call(client, personas):
    client.force_login(personas.outsider)
    response = client.post(
        "/desk/phone/new/", {"phone": "+6281234567890", "name": "X", "subject": "S", "text": "T"}
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_a_call_from_a_customer_without_email_is_a_real_message_with_a_running_sla_clock(
    agent_client, personas, mailoutbox, django_capture_on_commit_callbacks
):
    # No address means no acknowledgement mail, not an automatic message: the SLA must count it.
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            "/desk/phone/new/",
            {
                "phone": "(021) 555-1234",
                "name": "Pak Joko",
                "requester_role": "seller",
                "subject": "Dana penjualan belum cair",
                "text": "Penelpon menanyakan pencairan dana penjualan minggu lalu.",
            },
        )
    ticket = Ticket.objects.get()
    assert ticket.messages.get().is_automatic is False
    assert ticket.sla_clocks.filter(due_at__isnull=False, met_at__isnull=True).exists()
    assert mailoutbox == []
