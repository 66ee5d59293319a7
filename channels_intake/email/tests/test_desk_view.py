"""What an agent sees of an email on the desk: the folded quote on request, and the sanitised HTML in a
sandboxed frame with its inline images."""

from __future__ import annotations

import html
import re

import pytest

from tickets.models import Direction, Ticket

pytestmark = pytest.mark.django_db


def _page(client, personas, event) -> str:
    client.force_login(personas.agent)
    return client.get(f"/desk/tickets/{event.ticket_ids[0]}/").content.decode()


def _srcdoc(page: str) -> str:
    match = re.search(r'<iframe[^>]*\ssrcdoc="([^"]*)"', page)
    assert match, "no HTML frame on the page"
    return html.unescape(match.group(1))


def test_the_folded_quote_and_signature_can_be_shown(ingest, client, personas):
    event = ingest("gmail_reply_id_quote.eml")
    page = _page(client, personas, event)
    details = re.search(r"<details class=\"msg-quoted\">(.*?)</details>", page, re.DOTALL)
    assert details, "no quoted-text disclosure"
    assert "Refund sedang diproses" in details.group(1)  # the quoted history, only inside the disclosure
    assert "Refund sedang diproses" not in page.replace(details.group(0), "")


def test_a_message_with_nothing_folded_has_no_quoted_text_disclosure(ingest, client, personas):
    page = _page(client, personas, ingest("kiriman_dari_not_a_signature.eml"))
    assert 'class="msg-quoted"' not in page


def test_the_sanitised_html_is_shown_in_a_sandboxed_frame_with_inline_images(ingest, client, personas):
    event = ingest("apple_mail_inline_image.eml")
    message = Ticket.objects.get(pk=event.ticket_ids[0]).messages.get(direction=Direction.INBOUND)
    image = message.attachments.get(content_id="F3A1C2B4-1111-2222-3333-444455556666@home")
    page = _page(client, personas, event)
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    sandbox = re.search(r'sandbox="([^"]*)"', frame).group(1).split()
    assert "allow-scripts" not in sandbox and "allow-forms" not in sandbox
    document = _srcdoc(page)
    assert "Content-Security-Policy" in document and "script-src 'none'" in document
    assert f'src="/desk/attachments/{image.pk}/"' in document
    assert "cid:" not in document and "tracker.example" not in document


def test_scripts_and_forms_never_reach_the_frame(ingest, client, personas):
    document = _srcdoc(_page(client, personas, ingest("html_with_script_and_form.eml")))
    for fragment in ("<script", "onload", "<form", "javascript:", "cid:logo@phish"):
        assert fragment not in document
    assert 'href="https://phish.example/login"' in document
