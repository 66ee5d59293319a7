"""Attachments are streamed to agents only, with their detected type; only raster images open inline."""

import pytest

from tests.factories import inbound
from tickets import actions
from tickets.inbound import InboundAttachment

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachments(personas, desk_fixture):
    received = actions.receive_message(
        inbound(
            "Bukti dan invoice terlampir",
            attachments=tuple(
                InboundAttachment(filename=name, content=desk_fixture(stored), content_type=claimed)
                for name, stored, claimed in (
                    ("bukti-transfer.png", "bukti-transfer.png", "image/png"),
                    ("invoice.pdf", "invoice.pdf", "application/pdf"),
                    # A page pretending to be a picture: stored as what it really is.
                    ("struk.jpg", "phishing.html", "image/jpeg"),
                )
            ),
        )
    )
    return {item.filename: item for item in received.message.attachments.all()}


def download(client, attachment):
    return client.get(f"/desk/attachments/{attachment.pk}/")


def test_an_agent_downloads_a_pdf_as_an_attachment(agent_client, attachments, desk_fixture):
    response = download(agent_client, attachments["invoice.pdf"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="invoice.pdf"'
    assert b"".join(response.streaming_content) == desk_fixture("invoice.pdf")


def test_an_image_opens_inline_with_its_detected_type(agent_client, attachments, desk_fixture):
    response = download(agent_client, attachments["bukti-transfer.png"])
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == desk_fixture("bukti-transfer.png")


def test_a_file_disguised_as_an_image_is_served_as_what_it_is_and_never_inline(agent_client, attachments):
    response = download(agent_client, attachments["struk.jpg"])
    assert not response["Content-Type"].startswith("image/")
    assert response["Content-Disposition"] == 'attachment; filename="struk.jpg"'
    assert "sandbox" in response["Content-Security-Policy"]


def test_anonymous_visitors_and_non_agents_cannot_download(client, attachments, personas):
    pdf = attachments["invoice.pdf"]
    response = download(client, pdf)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(personas.outsider)
    assert download(client, pdf).status_code == 403


def test_a_missing_attachment_is_a_404(agent_client):
    assert agent_client.get("/desk/attachments/999999/").status_code == 404
