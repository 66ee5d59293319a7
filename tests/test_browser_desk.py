"""An agent in a real browser: log in, find a customer's ticket by search, reply, see the reply."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, inbound
from tickets import actions
from tickets.models import CannedReply, Direction, Message

pytestmark = [pytest.mark.browser]


def test_an_agent_finds_a_ticket_by_search_and_replies_to_it(
    live_server, transactional_db, personas, chromium, artifacts_dir
):
    from playwright.sync_api import expect

    # Noise, so the search has something to tell apart.
    for n in range(3):
        actions.receive_message(
            inbound(f"Pertanyaan lain {n}", subject=f"Lain-lain {n}", sender=f"x{n}@example.test")
        )
    ticket = actions.receive_message(
        inbound(
            "Halo, pembayaran QRIS saya sudah berhasil tapi pesanan belum diproses.",
            subject="Pesanan belum diproses setelah bayar",
            sender="rina.wulandari@example.com",
            name="Rina Wulandari",
            order_ref="INV/20261201/MPL/4455667788",
        )
    ).ticket
    CannedReply.objects.create(
        title="Pesanan tertunda", language="id", body="Halo {{ name }}, pesanan {{ order }} sedang kami cek."
    )
    reply_text = "Terima kasih Kak Rina, pembayaran sudah kami terima."

    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/desk/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/desk/")
    page.screenshot(path=str(artifacts_dir / "desk-login.png"))
    page.fill("#id_username", personas.agent.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Mine")

    page.goto(f"{live_server.url}/desk/?view=open")
    expect(page.locator("table.tickets tbody tr")).to_have_count(4)
    page.screenshot(path=str(artifacts_dir / "desk-inbox.png"), full_page=True)

    page.fill(".topsearch input[name=q]", "INV/20261201")
    page.press(".topsearch input[name=q]", "Enter")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Rina Wulandari")
    page.click("text=Pesanan belum diproses setelah bayar")
    expect(page).to_have_url(f"{live_server.url}/desk/tickets/{ticket.pk}/")

    # The canned reply picker fills the variables on the server and inserts the text.
    page.select_option("#canned-picker", label="[ID] Pesanan tertunda")
    expect(page.locator("#id_reply_text")).to_have_value(
        "Halo Rina Wulandari, pesanan INV/20261201/MPL/4455667788 sedang kami cek."
    )
    page.fill("#id_reply_text", reply_text)
    page.select_option("#id_reply_status", "pending")
    page.click(".pane-reply button[type=submit]")

    expect(page.locator(".alert-success")).to_contain_text("Reply queued for sending.")
    expect(page.locator(".msg-out .msg-body").last).to_have_text(reply_text)
    expect(page.locator(".ticket-meta .badge")).to_have_text("Pending")
    page.screenshot(path=str(artifacts_dir / "desk-ticket-after-reply.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / "desk-ticket-phone.png"), full_page=True)
    context.close()

    sent = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert sent.text == reply_text
    assert sent.author_user == personas.agent
