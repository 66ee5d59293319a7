"""The whole loop in a real browser: a customer writes through the contact form with an attachment, an
agent finds the ticket in the desk and replies, and the customer reads the reply on the status page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tickets.models import DeliveryStatus, Direction, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIXTURES = Path(__file__).resolve().parent.parent / "tickets" / "tests" / "fixtures"


def test_a_form_ticket_is_answered_by_an_agent_and_the_customer_reads_the_answer(
    live_server, chromium, artifacts_dir, personas, mailoutbox
):
    from playwright.sync_api import expect

    customer = chromium.new_context(viewport={"width": 412, "height": 915}, locale="id-ID")
    page = customer.new_page()
    page.goto(f"{live_server.url}/contact/")
    page.check("input[name=requester_role][value=buyer]")
    page.fill("#id_name", "Dewi Lestari")
    page.fill("#id_email", "dewi@example.test")
    page.select_option("#id_category", "refund")
    page.fill("#id_order_ref", "INV/20261120/MPL/9988776655")
    page.fill("#id_description", "Barang rusak, saya minta pengembalian dana. Foto terlampir.")
    page.set_input_files("#id_attachments", str(FIXTURES / "tiny.png"))
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    reference = page.inner_text("#ticket-reference")
    ticket = Ticket.objects.get()
    assert reference == ticket.reference
    status_url = page.get_attribute("#status-link", "href")

    agent = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    desk = agent.new_page()
    desk.goto(f"{live_server.url}/accounts/login/?next=/desk/")
    desk.fill("#id_username", personas.agent.username)
    desk.fill("#id_password", PASSWORD)
    desk.click("button[type=submit]")
    desk.fill(".topsearch input[name=q]", "9988776655")  # customers quote the tail of the order number
    desk.press(".topsearch input[name=q]", "Enter")
    expect(desk.locator("table.tickets tbody tr")).to_have_count(1)
    desk.click("table.tickets tbody tr a.subject")
    expect(desk).to_have_url(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    expect(desk.locator(".conversation")).to_contain_text("tiny.png")
    desk.fill("#id_reply_text", "Halo Kak Dewi, pengembalian dana sedang kami proses ke saldo Anda.")
    desk.click(".pane-reply button[type=submit]")
    expect(desk.locator(".msg-out .msg-body").last).to_have_text(
        "Halo Kak Dewi, pengembalian dana sedang kami proses ke saldo Anda."
    )
    desk.screenshot(path=str(artifacts_dir / "e2e-agent-replied.png"), full_page=True)

    reply = ticket.messages.get(direction=Direction.OUTBOUND)
    assert reply.delivery_status == DeliveryStatus.SENT  # eager worker: sent by email after commit
    assert any(mail.to == ["dewi@example.test"] and reference in mail.subject for mail in mailoutbox)

    page.goto(status_url if status_url.startswith("http") else f"{live_server.url}{status_url}")
    expect(page.locator(".conversation")).to_contain_text("pengembalian dana sedang kami proses")
    page.screenshot(path=str(artifacts_dir / "e2e-customer-sees-reply.png"), full_page=True)
    customer.close()
    agent.close()
