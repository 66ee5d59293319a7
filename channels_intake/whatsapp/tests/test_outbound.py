"""Agent replies, templates, files and media through a fake Graph API on 127.0.0.1."""

import json

import pytest

from channels_intake.accounts import WhatsAppTemplate
from channels_intake.models import InboundEvent
from channels_intake.processing import run
from channels_intake.tests.fakes import INVALID_TOKEN, SERVER_ERROR, WHATSAPP_RATE_LIMITED
from channels_intake.tests.support import fixture_bytes, whatsapp_number
from tickets import actions
from tickets.inbound import InboundAttachment
from tickets.models import DeliveryStatus, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


@pytest.fixture
def ticket(number, run_on_commit, fake_api):
    def receive(name="text"):
        event = InboundEvent.objects.create(
            channel="whatsapp", account=number.slug, body=fixture_bytes("whatsapp", name)
        )
        run_on_commit(run, event.pk)
        return Ticket.objects.get()

    return receive


def test_a_reply_goes_out_through_the_graph_api_to_the_customers_number(
    ticket, personas, fake_api, run_on_commit
):
    message = run_on_commit(actions.reply, ticket(), by=personas.agent, text="Baik kak, kami cek dulu ya")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    [call] = fake_api.calls("POST", "/messages")
    assert call.path == "/v21.0/106540352242922/messages"
    assert call.headers["Authorization"] == "Bearer EAAG-test-page-or-system-user-token"
    assert call.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281234567890",
        "type": "text",
        "text": {"preview_url": False, "body": "Baik kak, kami cek dulu ya"},
    }
    assert message.external_id.startswith("wamid.FAKE")


def test_transient_errors_are_retried_until_the_api_accepts(ticket, personas, fake_api, run_on_commit):
    fake_api.script("POST", r"/messages$", 500, SERVER_ERROR)
    fake_api.script("POST", r"/messages$", 400, WHATSAPP_RATE_LIMITED)
    message = run_on_commit(actions.reply, ticket(), by=personas.agent, text="Sebentar ya kak")
    message.refresh_from_db()
    assert len(fake_api.calls("POST", "/messages")) == 3
    assert message.delivery_status == DeliveryStatus.SENT and message.send_attempts == 3


def test_an_invalid_token_fails_the_message_at_once_and_tells_the_agent_why(
    ticket, personas, fake_api, run_on_commit
):
    fake_api.script("POST", r"/messages$", 401, INVALID_TOKEN)
    message = run_on_commit(actions.reply, ticket(), by=personas.agent, text="Halo")
    message.refresh_from_db()
    assert len(fake_api.calls("POST", "/messages")) == 1
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "access token" in message.delivery_error and "190" in message.delivery_error
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.DELIVERY, message=message).exists()


def test_files_are_uploaded_then_sent_before_the_text_each_once(ticket, personas, fake_api, run_on_commit):
    fake_api.script("POST", r"/106540352242922/messages$", 503, SERVER_ERROR)  # the text part fails once
    message = run_on_commit(
        actions.reply,
        ticket(),
        by=personas.agent,
        text="Ini resi dan fotonya",
        attachments=[InboundAttachment("resi.pdf", PDF), InboundAttachment("foto.png", PNG)],
    )
    message.refresh_from_db()
    uploads = fake_api.calls("POST", "/media")
    assert len(uploads) == 3 and b"resi.pdf" in uploads[0].body  # the PDF is uploaded again on the retry
    sent = [call.json() for call in fake_api.calls("POST", "/messages")]
    kinds = [payload["type"] for payload in sent]
    # First try: the PDF part hit the 503; the retry resent only what had not gone out.
    assert kinds == ["document", "document", "image", "text"]
    assert sent[1]["document"]["filename"] == "resi.pdf"
    assert message.delivery_status == DeliveryStatus.SENT
    assert set(message.metadata["parts_sent"]) == {f"file-{a.pk}" for a in message.attachments.all()} | {
        "text"
    }


def test_a_template_is_sent_with_its_language_and_variables(
    ticket, personas, fake_api, run_on_commit, number
):
    template = WhatsAppTemplate.objects.create(
        number=number,
        name="order_update",
        language="id",
        body="Halo {{1}}, pesanan {{2}} sedang dikirim.",
        variables="Nama, Nomor pesanan",
    )
    message = run_on_commit(
        actions.send_template, ticket(), by=personas.agent, template=template, variables=["Budi", "INV/1"]
    )
    message.refresh_from_db()
    assert message.text == "Halo Budi, pesanan INV/1 sedang dikirim."
    [call] = fake_api.calls("POST", "/messages")
    assert call.json()["template"] == {
        "name": "order_update",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Budi"}, {"type": "text", "text": "INV/1"}],
            }
        ],
    }
    assert message.delivery_status == DeliveryStatus.SENT


def test_a_template_with_missing_values_is_refused(ticket, personas, number):
    template = WhatsAppTemplate.objects.create(number=number, name="order_update", body="Halo {{1}} {{2}}")
    with pytest.raises(actions.ActionError, match="needs 2"):
        actions.send_template(ticket(), by=personas.agent, template=template, variables=["Budi"])


def test_customer_media_is_downloaded_through_the_graph_api_and_attached(ticket, fake_api):
    fake_api.media["1003383421387256"] = (JPEG, "image/jpeg")
    fake_api.script("GET", r"^/whatsapp-media/", 502, b"Bad Gateway")  # the CDN hiccups once
    message = ticket("image").messages.get()
    [attachment] = message.attachments.all()
    assert attachment.content_type == "image/jpeg" and attachment.file.read() == JPEG
    assert [c.path for c in fake_api.calls("GET")] == [
        "/v21.0/1003383421387256",
        "/whatsapp-media/1003383421387256",
        "/v21.0/1003383421387256",
        "/whatsapp-media/1003383421387256",
    ]
    assert message.text.endswith("Paketnya rusak")


def test_media_that_cannot_be_had_leaves_the_placeholder_and_a_note_on_the_timeline(ticket, fake_api):
    message = ticket("document").messages.get()  # the fake knows no such media id
    assert not message.attachments.exists()
    event = TicketEvent.objects.get(kind=TicketEvent.Kind.DELIVERY)
    assert event.after["media"] == "bukti-transfer.pdf"


def test_a_reply_goes_out_from_the_number_the_conversation_came_in_on(
    ticket, personas, fake_api, run_on_commit, number
):
    whatsapp_number(name="CS Bandung", slug="cs-bandung", phone_number_id="100000000000001")
    number.save(update_fields=["name"])
    message = run_on_commit(actions.reply, ticket(), by=personas.agent, text="Halo")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert [c.path for c in fake_api.calls("POST", "/messages")] == ["/v21.0/106540352242922/messages"]


def test_a_reply_is_refused_when_the_conversations_number_is_gone_not_sent_from_another(
    ticket, personas, fake_api, number
):
    t = ticket()
    whatsapp_number(name="CS Bandung", slug="cs-bandung", phone_number_id="100000000000001")
    number.active = False
    number.save(update_fields=["active"])
    with pytest.raises(actions.ActionError, match="106540352242922"):
        actions.reply(t, by=personas.agent, text="Halo")
    assert not t.messages.filter(direction="out").exists()
    assert not fake_api.calls("POST", "/messages")


def test_a_queued_reply_fails_clearly_when_its_number_was_removed_meanwhile(
    ticket, personas, fake_api, run_on_commit, number, django_capture_on_commit_callbacks
):
    t = ticket()
    whatsapp_number(name="CS Bandung", slug="cs-bandung", phone_number_id="100000000000001")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        message = actions.reply(t, by=personas.agent, text="Halo")
    number.delete()
    for callback in queued:
        callback()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "106540352242922" in message.delivery_error and "no longer" in message.delivery_error
    assert not fake_api.calls("POST", "/messages")
    assert json.loads(json.dumps(message.metadata)) == message.metadata
