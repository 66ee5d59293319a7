"""Provider webhooks through django-anymail, posted exactly as each provider posts them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from channels_intake.email.models import EmailAddressStatus, SentEmail
from channels_intake.email.tests.conftest import FIXTURES, load
from channels_intake.email.tests.fake_servers import fake_mailgun
from channels_intake.models import InboundEvent
from tests.factories import customer_ticket
from tickets import actions
from tickets.models import DeliveryStatus, Direction, Message, Ticket

BASIC = "anymail-user:s3cret-webhook-pass"
MAILGUN_KEY = "key-mailgun-signing-0123456789"
MAILERSEND_SECRET = "ms-inbound-secret-abcdef"


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": BASIC,
        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
        "MAILERSEND_INBOUND_SECRET": MAILERSEND_SECRET,
    }


def basic(credentials: str = BASIC) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def mailgun_form(raw: bytes, *, key: str = MAILGUN_KEY, token: str = "a" * 50) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode("utf-8", errors="surrogateescape"),
        "recipient": "cs@tokoku.example",
        "sender": "budi.santoso@gmail.example",
        "from": "Budi Santoso <budi.santoso@gmail.example>",
        "subject": "Pesanan belum sampai",
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def post_mailgun(client: Client, form: dict[str, str], **extra: str):
    return client.post("/anymail/mailgun/inbound_mime/", data=form, **{**basic(), **extra})


def post_postmark(client: Client, payload: bytes, **extra: str):
    return client.post("/anymail/postmark/inbound/", data=payload, content_type="application/json", **extra)


def post_mailersend(client: Client, payload: bytes, secret: str = MAILERSEND_SECRET):
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return client.post(
        "/anymail/mailersend/inbound/",
        data=payload,
        content_type="application/json",
        HTTP_SIGNATURE=signature,
        **basic(),
    )


@pytest.mark.django_db
def test_a_signed_mailgun_inbound_webhook_creates_the_ticket(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_mailgun(client, mailgun_form(load("gmail_plain_id.eml")))
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.source == "anymail:mailgun" and event.state == InboundEvent.State.PROCESSED
    assert event.headers["envelope_recipient"] == "cs@tokoku.example"
    ticket = Ticket.objects.get()
    assert ticket.contact.email == "budi.santoso@gmail.example"
    assert "sudah 5 hari belum sampai" in ticket.messages.get().text


@pytest.mark.django_db
def test_a_postmark_inbound_webhook_with_basic_auth_creates_the_ticket(
    client, django_capture_on_commit_callbacks
):
    payload = (FIXTURES / "webhooks" / "postmark_inbound.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_postmark(client, payload, **basic())
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert message.external_id == "<CAPm-postmark-cod-1@mail.gmail.example>"
    assert message.text == "Kurir menolak paket COD karena uang pas tidak ada. Mohon dijadwalkan ulang."
    assert "Paket akan dikirim besok." in message.full_text
    assert [a.filename for a in message.attachments.all()] == ["resi.png"]
    assert {c.email for c in ticket.participants.all()} == {"ani.santoso@gmail.example"}


@pytest.mark.django_db
def test_a_signed_mailersend_inbound_webhook_creates_the_ticket(client, django_capture_on_commit_callbacks):
    payload = (FIXTURES / "webhooks" / "mailersend_inbound.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_mailersend(client, payload)
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.external_id == "<20240322103000.ABCDEF@bisnis.example>"
    assert [a.filename for a in message.attachments.all()] == ["bukti-transfer-88123.pdf"]


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")
def test_a_sendgrid_raw_inbound_parse_post_creates_the_ticket(client, django_capture_on_commit_callbacks):
    form = {
        "email": load("outlook_reply_id_windows1252.eml").decode("latin-1"),
        "to": "cs@tokoku.example",
        "from": "Dewi Lestari <dewi.lestari@outlook.example>",
        "subject": "RE: Barang rusak saat diterima",
        "envelope": json.dumps({"to": ["cs@tokoku.example"], "from": "dewi.lestari@outlook.example"}),
        "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8"}),
        "SPF": "pass",
        "spam_score": "0.1",
        "sender_ip": "203.0.113.9",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/anymail/sendgrid/inbound/", data=form, **basic())
    assert response.status_code == 200
    message = Message.objects.get()
    assert message.author_contact.email == "dewi.lestari@outlook.example"
    assert "barangnya – kardus penyok" in message.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tamper",
    ["no_auth", "wrong_password", "bad_signature", "signed_with_other_key", "changed_body"],
)
def test_a_tampered_or_unauthenticated_webhook_is_refused_and_nothing_stored(tamper, client):
    raw = load("gmail_plain_id.eml")
    if tamper == "no_auth":
        response = client.post("/anymail/mailgun/inbound_mime/", data=mailgun_form(raw))
    elif tamper == "wrong_password":
        response = client.post(
            "/anymail/mailgun/inbound_mime/", data=mailgun_form(raw), **basic("anymail-user:guess")
        )
    elif tamper == "bad_signature":
        form = mailgun_form(raw)
        form["signature"] = "0" * 64
        response = post_mailgun(client, form)
    elif tamper == "signed_with_other_key":
        response = post_mailgun(client, mailgun_form(raw, key="key-attacker"))
    else:
        payload = (FIXTURES / "webhooks" / "mailersend_inbound.json").read_bytes()
        signature = hmac.new(MAILERSEND_SECRET.encode(), payload, hashlib.sha256).hexdigest()
        response = client.post(
            "/anymail/mailersend/inbound/",
            data=payload.replace(b"88123", b"99999"),
            content_type="application/json",
            HTTP_SIGNATURE=signature,
            **basic(),
        )
    assert response.status_code in (401, 403)
    if tamper == "no_auth":
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_postmark_without_basic_auth_is_refused(client):
    payload = (FIXTURES / "webhooks" / "postmark_inbound.json").read_bytes()
    assert post_postmark(client, payload).status_code == 401
    assert post_postmark(client, payload, **basic("anymail-user:wrong")).status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_replaying_the_same_webhook_five_times_stores_one_message(client, django_capture_on_commit_callbacks):
    form = mailgun_form(load("gmail_plain_id.eml"))
    for _attempt in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_mailgun(client, form).status_code == 200
    assert InboundEvent.objects.filter(state=InboundEvent.State.PROCESSED).count() == 5
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_replaying_the_same_webhook_five_times_concurrently_stores_one_message():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ("file:memorydb", ":memory:")
    ):
        pytest.skip("Concurrent writers need PostgreSQL or a file database (set SQLITE_TEST_NAME).")
    form = mailgun_form(load("gmail_plain_id.eml"))
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            statuses.append(post_mailgun(Client(), form).status_code)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 5
    assert InboundEvent.objects.count() == 5
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
    assert Ticket.objects.count() == 1


def _mailgun_tracking(event: str, message_id: str, **extra: object) -> bytes:
    timestamp, token = str(int(time.time())), "t" * 50
    signature = hmac.new(MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    event_data = {
        "event": event,
        "timestamp": time.time(),
        "id": f"evt-{event}",
        "recipient": "budi@example.test",
        "message": {"headers": {"message-id": message_id}},
        "user-variables": {},
        **extra,
    }
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": event_data,
        }
    ).encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("event", "extra", "status", "address_flag"),
    [
        ("delivered", {"delivery-status": {"code": 250, "message": "OK"}}, DeliveryStatus.DELIVERED, None),
        (
            "failed",
            {
                "severity": "permanent",
                "reason": "bounce",
                "delivery-status": {"code": 550, "message": "5.1.1 no such user"},
            },
            DeliveryStatus.FAILED,
            "bounced_at",
        ),
        ("complained", {}, "complained", "complained_at"),
    ],
)
def test_tracking_webhooks_update_the_reply_found_by_the_provider_s_id(
    event, extra, status, address_flag, client, personas, settings, django_capture_on_commit_callbacks
):
    ticket = customer_ticket(sender="budi@example.test")
    with fake_mailgun() as api:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {**settings.ANYMAIL, "MAILGUN_API_KEY": "key-test", "MAILGUN_API_URL": api.url}
        with django_capture_on_commit_callbacks(execute=True):
            reply = actions.reply(ticket, by=personas.agent, text="Paket sudah dikirim ulang.")
        assert len(api.requests) == 1
    sent = SentEmail.objects.get(message=reply)
    assert sent.esp_message_id == api.requests[0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/anymail/mailgun/tracking/",
            data=_mailgun_tracking(event, sent.esp_message_id, **extra),
            content_type="application/json",
            **basic(),
        )
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.delivery_status == status
    if status == DeliveryStatus.FAILED:
        assert "no such user" in reply.delivery_error
    if address_flag:
        assert getattr(EmailAddressStatus.objects.get(address="budi@example.test"), address_flag) is not None


@pytest.mark.django_db
def test_a_tracking_event_for_an_unknown_message_waits_then_is_ignored(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/anymail/mailgun/tracking/",
            data=_mailgun_tracking("delivered", "unknown@sandbox.mailgun.example"),
            content_type="application/json",
            **basic(),
        )
    event = InboundEvent.objects.get()
    assert event.state == InboundEvent.State.PENDING  # the send may not be recorded yet
    InboundEvent.objects.filter(pk=event.pk).update(received_at=event.received_at.replace(year=2020))
    from channels_intake.email.tasks import process_email_event

    process_email_event(event.pk)
    event.refresh_from_db()
    assert event.state == InboundEvent.State.IGNORED


@pytest.mark.django_db
def test_mail_the_esp_flagged_as_spam_gets_no_acknowledgement(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    raw = load("gmail_plain_id.eml").replace(
        b"MIME-Version: 1.0\n", b"MIME-Version: 1.0\nX-Mailgun-Sflag: Yes\n", 1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_mailgun(client, mailgun_form(raw)).status_code == 200
    message = Message.objects.get()
    assert message.is_automatic and message.metadata["spam"] is True
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_spam_complaint_is_shown_as_such_and_stops_automatic_mail(
    client, personas, mailoutbox, settings, ingest, django_capture_on_commit_callbacks
):
    ticket = customer_ticket(sender="budi@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.reply(ticket, by=personas.agent, text="Paket sudah dikirim ulang.")
    reply.refresh_from_db()
    for event in ("delivered", "complained", "opened"):  # a late "opened" does not hide the complaint
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/anymail/mailgun/tracking/",
                data=_mailgun_tracking(event, reply.external_id.strip("<>"), **{"user-variables": {}}),
                content_type="application/json",
                **basic(),
            )
        assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.delivery_status == "complained"
    assert reply.delivery_error == ""
    client.force_login(personas.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "Marked as spam by the recipient" in page or "Ditandai sebagai spam oleh penerima" in page
    assert "Not delivered" not in page and "Tidak terkirim" not in page
    mailoutbox.clear()
    ingest(b"From: budi@example.test\nMessage-ID: <after-complaint@example.test>\nSubject: baru\n\nhalo\n")
    assert mailoutbox == []  # no acknowledgement to someone who called our mail spam
