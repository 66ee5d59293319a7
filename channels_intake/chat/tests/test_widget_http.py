"""The widget's HTTP endpoints: script, configuration, pre-chat form, files, transcript, polling fallback."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from channels_intake.chat import visitor
from channels_intake.chat.identity import customer_signature, visitor_token
from channels_intake.chat.models import ChatSession
from channels_intake.chat.tests.conftest import SHOP, fixture_bytes, fixture_json, make_session
from tests.factories import customer_ticket
from tickets import actions
from tickets.models import Attachment, ContactIdentity, Message

pytestmark = pytest.mark.django_db


def url(name, widget):
    return reverse(f"chat:{name}", args=[widget.public_key])


def test_the_embed_script_is_served_for_any_site(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"attachShadow" in response.content


def test_the_configuration_answers_allowed_sites_with_cors_in_the_visitors_language(client, widget, topic):
    response = client.get(url("config", widget) + "?lang=en", headers={"origin": SHOP})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    data = response.json()
    assert data["strings"]["start"] == "Start chat"
    assert {"slug": "order-pending", "name": "Order pending after payment"} in data["topics"]
    assert data["socket"] == f"/ws/chat/{widget.public_key}/"
    assert data["upload"]["types"] == ["application/pdf", "image/jpeg", "image/png"]


def test_a_site_the_widget_does_not_allow_is_refused(client, widget):
    response = client.get(url("config", widget), headers={"origin": "https://evil.example.com"})
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_the_preflight_request_is_answered(client, widget):
    response = client.options(url("rpc", widget), headers={"origin": SHOP})
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_the_pre_chat_form_starts_a_chat_with_a_normalised_whatsapp_number(client, widget, topic):
    response = client.post(url("start", widget), fixture_json("prechat-form.json"), headers={"origin": SHOP})
    assert response.status_code == 201, response.content
    session = ChatSession.objects.get()
    assert (session.name, session.phone, session.email) == ("Budi Santoso", "+6281234567890", "")
    assert session.order_ref == "INV/20261118/MPL/3612345678" and session.category == topic
    assert response.json()["token"] == visitor_token(session)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"name": ""}, "name", "your name"),
        ({"contact": ""}, "contact", "email address or WhatsApp"),
        ({"contact": "budi@@example"}, "contact", "not a valid email"),
        ({"contact": "12"}, "contact", "not a valid phone number"),
        ({"topic": "no-such-topic"}, "topic", "valid choice"),
    ],
)
def test_a_pre_chat_form_with_mistakes_says_what_to_fix(client, widget, topic, change, field, problem):
    form = {**fixture_json("prechat-form.json"), "language": "en", **change}
    response = client.post(url("start", widget) + "?lang=en", form, headers={"origin": SHOP})
    assert response.status_code == 400
    assert problem in response.json()["fields"][field]
    assert not ChatSession.objects.exists()


def test_one_connection_cannot_start_chats_without_end(client, widget, topic, settings):
    settings.CHAT_START_RATE = "2/h"
    form = fixture_json("prechat-form.json")
    codes = [client.post(url("start", widget), form, headers={"origin": SHOP}).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert ChatSession.objects.count() == 2


def test_a_customer_signed_by_the_merchant_joins_their_existing_contact(client, widget, topic):
    known = customer_ticket(sender="rina@example.test", name="Rina").contact
    ContactIdentity.objects.create(contact=known, kind="chat", address=f"w{widget.pk}:cust-1042")
    signed = {
        "customer_id": "cust-1042",
        "customer_email": "rina@example.test",
        "customer_name": "Rina",
        "customer_timestamp": str(int(time.time())),
    }
    signed["customer_signature"] = customer_signature(
        widget.identity_secret, "cust-1042", "rina@example.test", "Rina", signed["customer_timestamp"]
    )
    form = {"topic": "order-pending", "contact": "", "name": "", **signed}
    response = client.post(url("start", widget), form, headers={"origin": SHOP})
    assert response.status_code == 201, response.content
    session = ChatSession.objects.get()
    message = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Halo")
    assert message.ticket.contact == known
    assert message.ticket.pk != known.tickets.order_by("pk").first().pk  # a chat is its own ticket


def test_a_forged_merchant_signature_is_refused(client, widget, topic):
    form = {
        **fixture_json("prechat-form.json"),
        "customer_id": "cust-1042",
        "customer_timestamp": str(int(time.time())),
        "customer_signature": customer_signature("not-the-secret", "cust-1042", timestamp=int(time.time())),
    }
    response = client.post(url("start", widget), form, headers={"origin": SHOP})
    assert response.status_code == 403
    assert not ChatSession.objects.exists()


def test_typing_someone_elses_email_does_not_join_their_open_chat(widget, topic):
    victim = make_session(widget, name="Rina", email="rina@example.test")
    private = visitor.post_message(
        victim, client_id=str(uuid.uuid4()), text="Alamat saya Jl. Melati 5"
    ).ticket
    intruder = make_session(widget, name="Rina?", email="rina@example.test")
    message = visitor.post_message(intruder, client_id=str(uuid.uuid4()), text="Halo")
    intruder.refresh_from_db()
    assert message.ticket != private
    assert [m.text for m in visitor.messages_after(intruder, 0)] == ["Halo"]


def upload(client, widget, session, *files, client_id=None):
    data = {
        "token": visitor_token(session),
        "client_id": client_id or str(uuid.uuid4()),
        "file": list(files),
        "language": "en",  # errors come in the widget's language
    }
    return client.post(url("upload", widget), data, headers={"origin": SHOP})


def test_a_visitor_sends_a_png_and_the_agent_sees_it_on_the_ticket(client, widget):
    session = make_session(widget)
    receipt = SimpleUploadedFile("bukti transfer.png", fixture_bytes("transfer-receipt.png"), "image/png")
    response = upload(client, widget, session, receipt)
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("bukti transfer.png", "image/png")
    session.refresh_from_db()
    assert attachment.message.ticket == session.ticket


def test_files_follow_the_contact_forms_rules(client, widget, settings):
    session = make_session(widget)
    disguised = SimpleUploadedFile("foto.png", fixture_bytes("disguised-script.png"), "image/png")
    response = upload(client, widget, session, disguised)
    assert response.status_code == 400 and "not a JPG, PNG or PDF" in response.json()["error"]

    settings.CONTACT_FORM_MAX_FILE_BYTES = 100
    big = SimpleUploadedFile("invoice.pdf", fixture_bytes("invoice.pdf"), "application/pdf")
    response = upload(client, widget, session, big)
    assert response.status_code == 400 and "larger than" in response.json()["error"]

    settings.CONTACT_FORM_MAX_FILES = 1
    pngs = [SimpleUploadedFile(f"{n}.png", fixture_bytes("transfer-receipt.png")) for n in range(2)]
    response = upload(client, widget, session, *pngs)
    assert response.status_code == 400 and "at most 1" in response.json()["error"]
    assert not Message.objects.exists()


def test_a_file_link_opens_only_that_chats_file(client, widget):
    session = make_session(widget)
    upload(client, widget, session, SimpleUploadedFile("a.pdf", fixture_bytes("invoice.pdf")))
    session.refresh_from_db()
    shown = visitor.serialize(visitor.messages_after(session, 0)[0], session)
    response = client.get(shown["files"][0]["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == fixture_bytes("invoice.pdf")
    assert client.get(shown["files"][0]["url"].replace("/files/", "/files/x")).status_code == 404


def rpc(client, widget, body):
    return client.post(
        url("rpc", widget), json.dumps(body), content_type="text/plain", headers={"origin": SHOP}
    )


def test_without_a_websocket_the_widget_chats_by_polling(client, widget, personas):
    session = make_session(widget)
    token = visitor_token(session)
    client_id = str(uuid.uuid4())
    sent = rpc(
        client, widget, {"token": token, "frame": {"type": "message", "client_id": client_id, "text": "Halo"}}
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["replies"][0]["type"] == "ack"
    assert [m["client_id"] for m in sent.json()["messages"]] == [client_id]

    session.refresh_from_db()
    actions.reply(session.ticket, by=personas.agent, text="Halo juga")
    polled = rpc(client, widget, {"token": token, "after": sent.json()["messages"][-1]["id"]}).json()
    assert [m["text"] for m in polled["messages"]] == ["Halo juga"]
    assert polled["state"]["agent"] == "Alice"  # answered, though nobody took the chat


def test_polling_with_a_bad_token_is_refused(client, widget):
    response = rpc(client, widget, {"token": "forged", "frame": {"type": "poll"}})
    assert response.status_code == 401 and response.json()["code"] == "unauthorised"


def test_the_visitor_gets_the_transcript_by_email_once(
    client, widget, personas, mailoutbox, django_capture_on_commit_callbacks
):
    session = make_session(widget, name="Budi")
    ticket = visitor.post_message(session, client_id=str(uuid.uuid4()), text="Pulsa belum masuk").ticket
    actions.reply(ticket, by=personas.agent, text="Sudah kami kirim ulang")
    actions.add_note(ticket, by=personas.agent, text="catatan internal")
    data = {"token": visitor_token(session), "email": "budi.lain@example.test"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("transcript", widget), data, headers={"origin": SHOP})
    assert response.status_code == 202
    assert [mail.to for mail in mailoutbox] == [["budi.lain@example.test"]]
    body = mailoutbox[0].body
    assert "Pulsa belum masuk" in body and "Sudah kami kirim ulang" in body and "Alice" in body
    assert "catatan internal" not in body
    assert client.post(url("transcript", widget), data, headers={"origin": SHOP}).status_code == 409
