"""A customer in a real browser: the contact form, the thank-you page, the status link and a reply."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tickets.models import Direction, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FIXTURES = Path(__file__).resolve().parent.parent / "tickets" / "tests" / "fixtures"


@pytest.fixture
def phone(chromium):
    """A phone-sized browser window (the shared headless Chromium of conftest.py)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def test_a_customer_sends_the_form_follows_the_status_link_and_replies(live_server, phone, artifacts_dir):
    page = phone
    page.goto(f"{live_server.url}/contact/")
    assert page.get_attribute("html", "lang") == "id"
    with page.expect_navigation():
        page.click(".lang-switch a[hreflang=en]")
    assert page.get_attribute("html", "lang") == "en"
    page.screenshot(path=artifacts_dir / "contact-empty.png", full_page=True)

    page.check("input[name=requester_role][value=buyer]")
    page.fill("#id_name", "Budi Santoso")
    page.fill("#id_email", "budi@example.test")
    page.fill("#id_phone", "0812 3456 7890")
    page.select_option("#id_category", "not-received")
    assert page.is_visible("#field-order_ref .order-required")  # the page says the order number is needed
    page.fill("#id_order_ref", "INV/20240101/MPL/3612345678")
    page.fill("#id_description", "Paket saya belum sampai, padahal status sudah terkirim.")
    page.set_input_files("#id_attachments", str(FIXTURES / "tiny.png"))
    assert "tiny.png" in page.inner_text(".file-list")
    submit(page, "form.form")

    assert "/contact/thanks/" in page.url
    reference = page.inner_text("#ticket-reference")
    ticket = Ticket.objects.get()
    assert reference == ticket.reference
    assert re.fullmatch(r"#SD-\d+", reference)
    page.screenshot(path=artifacts_dir / "contact-thanks.png", full_page=True)

    with page.expect_navigation():
        page.click("#status-link")
    assert page.inner_text("#ticket-reference") == reference
    assert "Paket saya belum sampai" in page.inner_text(".conversation")
    assert "tiny.png" in page.inner_text(".conversation")

    page.fill("#id_text", "Ini foto resi pengirimannya.")
    page.set_input_files("#id_attachments", str(FIXTURES / "tiny.pdf"))
    submit(page, "form.reply")
    assert "Thank you, we added your message." in page.inner_text(".flash")
    assert "Ini foto resi pengirimannya." in page.inner_text(".conversation")
    page.screenshot(path=artifacts_dir / "status-after-reply.png", full_page=True)

    replies = ticket.messages.filter(direction=Direction.INBOUND).order_by("pk")
    assert [m.text for m in replies][-1] == "Ini foto resi pengirimannya."
    assert replies.last().attachments.get().content_type == "application/pdf"


def test_a_customer_sees_errors_next_to_the_fields_and_keeps_what_they_typed(
    live_server, phone, artifacts_dir
):
    page = phone
    page.goto(f"{live_server.url}/contact/")
    page.fill("#id_name", "Budi Santoso")
    page.fill("#id_email", "budi@example")
    page.select_option("#id_category", "refund")
    page.fill("#id_description", "Dana belum kembali.")
    page.set_input_files(
        "#id_attachments",
        files=[
            {
                "name": "bukti.png",
                "mimeType": "image/png",
                "buffer": (FIXTURES / "windows-program.exe").read_bytes(),
            }
        ],
    )
    submit(page, "form.form")

    assert page.input_value("#id_name") == "Budi Santoso"
    assert page.input_value("#id_description") == "Dana belum kembali."
    assert page.is_visible("#id_email_error")
    assert page.is_visible("#id_order_ref_error")
    assert page.is_visible("#id_requester_role_error")
    assert "bukti.png" in page.inner_text("#id_attachments_error")
    assert page.is_visible("#field-attachments .notice-warning")  # choose the files again
    page.screenshot(path=artifacts_dir / "contact-errors.png", full_page=True)
    assert not Ticket.objects.exists()
