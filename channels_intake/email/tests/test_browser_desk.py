"""In a real browser: the sanitised HTML of an email shows in its sandboxed frame with the inline image."""

from __future__ import annotations

import pytest

from channels_intake.email.intake import process_event, store_raw
from channels_intake.email.tests.conftest import load
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_agent_sees_the_email_as_sent_with_its_inline_image(
    live_server, chromium, artifacts_dir, personas
):
    from playwright.sync_api import expect

    event = store_raw(load("apple_mail_inline_image.eml"), source="raw")
    process_event(event)
    ticket_id = event.ticket_ids[0]
    agent = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    desk = agent.new_page()
    desk.goto(f"{live_server.url}/accounts/login/?next=/desk/tickets/{ticket_id}/")
    desk.fill("#id_username", personas.agent.username)
    desk.fill("#id_password", PASSWORD)
    desk.click("button[type=submit]")
    desk.click(".msg-html summary")
    frame = desk.frame_locator(".msg-html-frame")
    expect(frame.locator("body")).to_contain_text("segelnya sudah terbuka")
    image = frame.locator("img[src]")  # the tracking pixel stays, without its remote src
    expect(image).to_have_count(1)
    loaded = image.evaluate("img => img.complete && img.naturalWidth > 0")
    desk.screenshot(path=str(artifacts_dir / "email-html-frame.png"), full_page=True)
    assert loaded, "the inline cid: image did not load from our attachment URL"
    desk.click(".msg-quoted summary")
    expect(desk.locator(".msg-quoted .msg-full")).to_contain_text("Sent from my iPhone")
