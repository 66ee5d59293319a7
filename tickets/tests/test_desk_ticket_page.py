"""The ticket page shows the whole case: header, conversation, contact, other tickets and timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.inbound import InboundAttachment, SenderIdentity
from tickets.models import DeliveryStatus, Status

pytestmark = pytest.mark.django_db


def page(client, ticket):
    response = client.get(f"/desk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_shows_the_tickets_facts(agent_client, personas):
    ticket = customer_ticket(
        "Paket belum sampai", order_ref="INV/20261118/MPL/3612345678", category_slug="not-received"
    )
    actions.assign(ticket, agent=personas.teammate, by=personas.agent)
    html = page(agent_client, ticket)
    assert f"#SD-{ticket.pk}" in html
    assert "Pesanan belum sampai" in html
    assert "INV/20261118/MPL/3612345678" in html
    assert 'class="badge st-new"' in html
    assert "Bima" in html
    assert "Take it" in html


def test_a_ticket_with_a_security_flag_shows_the_warning_banner(agent_client):
    flagged = customer_ticket("Nomor kartu saya 4111 1111 1111 1111, tolong cek")
    plain = customer_ticket("Halo", sender="lain@example.test")
    assert flagged.security_flag
    assert "alert-security" in page(agent_client, flagged)
    assert "4111 1111 1111 1111" not in page(agent_client, flagged)
    assert "alert-security" not in page(agent_client, plain)


def test_the_sla_area_is_a_block_other_work_fills(agent_client):
    ticket = customer_ticket()
    response = agent_client.get(f"/desk/tickets/{ticket.pk}/")
    assert "desk/_sla.html" in [template.name for template in response.templates]


def test_inbound_outbound_and_notes_are_told_apart(agent_client, personas):
    ticket = customer_ticket("Pertanyaan dari pelanggan")
    actions.reply(ticket, by=personas.agent, text="Jawaban untuk pelanggan")
    actions.add_note(ticket, by=personas.agent, text="Catatan untuk tim saja")
    html = page(agent_client, ticket)
    assert (
        html.index('class="msg msg-in"')
        < html.index('class="msg msg-out"')
        < html.index('class="msg msg-note"')
    )
    for text in ("Pertanyaan dari pelanggan", "Jawaban untuk pelanggan", "Catatan untuk tim saja"):
        assert text in html


def test_an_outbound_message_shows_its_delivery_status_and_error(agent_client, personas):
    ticket = customer_ticket()
    message = actions.reply(ticket, by=personas.agent, text="Sudah kami kirim")
    actions.record_delivery(message, status=DeliveryStatus.FAILED, error="550 5.1.1 Mailbox does not exist")
    html = page(agent_client, ticket)
    assert "ds-failed" in html
    assert "550 5.1.1 Mailbox does not exist" in html


def test_customer_text_is_escaped(agent_client):
    ticket = customer_ticket(
        '<script>alert("x")</script><b>tebal</b>', subject="<img src=x onerror=alert(1)>"
    )
    html = page(agent_client, ticket)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_attachments_are_listed_with_a_download_link(agent_client, desk_fixture):
    received = actions.receive_message(
        inbound(
            "Ini buktinya",
            attachments=(
                InboundAttachment(filename="bukti-transfer.png", content=desk_fixture("bukti-transfer.png")),
            ),
        )
    )
    attachment = received.message.attachments.get()
    html = page(agent_client, received.ticket)
    assert f'href="/desk/attachments/{attachment.pk}/"' in html
    assert "bukti-transfer.png" in html


def test_the_contact_panel_lists_their_tickets_on_other_channels(agent_client):
    email = customer_ticket("Lewat email", sender="andi@example.test", subject="Refund lewat email")
    whatsapp = actions.receive_message(
        inbound(
            "Lewat WhatsApp",
            channel="whatsapp",
            kind="phone",
            sender="+6281234567890",
            other_identities=(SenderIdentity(kind="email", address="andi@example.test"),),
        )
    ).ticket
    unrelated = customer_ticket("Orang lain", sender="orang.lain@example.test", subject="Bukan Andi")
    assert whatsapp.contact_id == email.contact_id
    html = page(agent_client, whatsapp)
    assert "andi@example.test" in html and "+6281234567890" in html
    assert f"#SD-{email.pk}" in html
    assert "Refund lewat email" in html
    assert "Bukan Andi" not in html and f"#SD-{unrelated.pk}<" not in html


def test_the_timeline_tells_what_happened(agent_client, personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.ON_HOLD, hold_reason="courier", by=personas.agent)
    actions.set_priority(ticket, priority="high", by=personas.agent)
    actions.set_tags(ticket, names=["ongkir"], by=personas.agent)
    html = page(agent_client, ticket)
    assert "Ticket created via Email" in html
    assert "Status: New → On hold (Courier)" in html
    assert "Priority: Normal → High" in html
    assert "Tags: ongkir" in html


def test_a_merged_ticket_points_to_where_the_conversation_went(agent_client, personas):
    source = customer_ticket("Satu", sender="x@example.test")
    target = customer_ticket("Dua", sender="y@example.test")
    actions.merge(source, into=target, by=personas.agent)
    html = page(agent_client, source)
    assert f'href="/desk/tickets/{target.pk}/"' in html
    assert "was merged into" in html


def test_the_ticket_page_costs_a_fixed_number_of_queries(agent_client, personas):
    ticket = customer_ticket("Pertama")
    reference = ticket.messages.first().external_id

    def count():
        with CaptureQueriesContext(connection) as queries:
            agent_client.get(f"/desk/tickets/{ticket.pk}/")
        return len(queries)

    short = count()
    for n in range(15):
        actions.receive_message(inbound(f"Pesan {n}", references=(reference,)))
        actions.reply(ticket, by=personas.agent, text=f"Balasan {n}")
        actions.add_note(ticket, by=personas.teammate, text=f"Catatan {n}")
    for n in range(5):
        customer_ticket(f"Tiket lain {n}", subject=f"Lain {n}")
    assert count() == short


def test_the_ticket_page_reads_its_menus_without_server_side_cursors(agent_client, personas):
    # The assignee, team and category menus are a few dozen rows: on PostgreSQL Django's default
    # (queryset.iterator(), a server-side cursor) cost DECLARE, FETCH and CLOSE round trips each.
    ticket = customer_ticket("Menu")
    with CaptureQueriesContext(connection) as queries:
        html = agent_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert not [query["sql"] for query in queries if "DECLARE" in query["sql"]]
    assert personas.teammate.get_full_name() in html  # the assignee menu still lists the agents
    assert personas.team.name in html
