"""Anymail webhooks are closed by default: every provider answers 401/403 (never 500) until it is set up,
and a signed provider's tampered request is refused. Payloads are posted exactly as each provider does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.test import Client

from channels_intake.email.anymail_urls import urlpatterns
from channels_intake.email.tests.conftest import FIXTURES
from channels_intake.email.tests.test_webhooks import BASIC, basic
from channels_intake.models import InboundEvent
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
MANDRILL_KEY = "mandrill-webhook-key-Zx81Qp"
MANDRILL_URL = "https://desk.tokoku.example/anymail/mandrill/"


def _anymail_urls() -> list[str]:
    urls = []
    for pattern in urlpatterns:
        route = str(pattern.pattern).lstrip("^").rstrip("$")
        urls.append("/anymail/" + route.replace("(_mime)?", ""))
    return urls


def _nothing_stored() -> bool:
    return not InboundEvent.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize("url", _anymail_urls())
@pytest.mark.parametrize("credentials", [None, BASIC])
def test_an_unconfigured_webhook_refuses_and_never_answers_500(url, credentials, settings):
    """No WEBHOOK_SECRET and no signing key: nobody can post, whatever they send."""
    settings.ANYMAIL = {}
    client = Client(raise_request_exception=False)
    extra = basic(credentials) if credentials else {}
    payload = (FIXTURES / "webhooks" / "postmark_inbound.json").read_bytes()
    response = client.post(url, data=payload, content_type="application/json", **extra)
    assert response.status_code in (401, 403), (url, response.status_code, response.content[:200])
    assert _nothing_stored()


def test_postmark_without_any_webhook_secret_is_refused_not_open(settings):
    settings.ANYMAIL = {}
    payload = (FIXTURES / "webhooks" / "postmark_inbound.json").read_bytes()
    response = Client().post("/anymail/postmark/inbound/", data=payload, content_type="application/json")
    assert response.status_code == 403
    assert b"ANYMAIL_WEBHOOK_SECRET" in response.content
    assert _nothing_stored()


@pytest.mark.parametrize(
    "url",
    [
        "/anymail/mailgun/inbound_mime/",
        "/anymail/mailersend/inbound/",
        "/anymail/postal/inbound/",
        "/anymail/mandrill/",
        "/anymail/resend/inbound/",
        "/anymail/brevo/inbound/",
        "/anymail/unisender_go/tracking/",
    ],
)
def test_a_provider_missing_its_own_key_refuses_even_with_the_shared_secret(url, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    client = Client(raise_request_exception=False)
    response = client.post(url, data=b'{"type": "x"}', content_type="application/json", **basic())
    assert response.status_code == 403, (url, response.status_code, response.content[:300])
    assert _nothing_stored()


# --- Amazon SES: SNS signatures are not verified by Anymail, so the shared secret is required -------


def _post_sns(client: Client, payload: bytes, **extra: str):
    message = json.loads(payload)
    return client.post(
        "/anymail/amazon_ses/inbound/",
        data=payload,
        content_type="text/plain; charset=UTF-8",
        HTTP_X_AMZ_SNS_MESSAGE_TYPE=message["Type"],
        HTTP_X_AMZ_SNS_MESSAGE_ID=message["MessageId"],
        HTTP_X_AMZ_SNS_TOPIC_ARN=message["TopicArn"],
        HTTP_USER_AGENT="Amazon Simple Notification Service Agent",
        **extra,
    )


def test_an_amazon_ses_notification_with_basic_auth_creates_the_ticket(
    settings, django_capture_on_commit_callbacks
):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    payload = (FIXTURES / "webhooks" / "amazon_ses_inbound_sns.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_sns(Client(), payload, **basic())
    assert response.status_code == 200
    message = Ticket.objects.get().messages.get()
    assert message.external_id == "<pesan-asli-1@kantor.example>"
    assert "NPWP-nya salah" in message.text and "-----Pesan Asli-----" in message.full_text


def test_amazon_ses_is_refused_without_basic_auth(settings):
    payload = (FIXTURES / "webhooks" / "amazon_ses_inbound_sns.json").read_bytes()
    settings.ANYMAIL = {}
    assert _post_sns(Client(), payload).status_code == 403  # no WEBHOOK_SECRET: SES is not set up
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC}
    challenge = _post_sns(Client(), payload)
    assert challenge.status_code == 401 and challenge["WWW-Authenticate"].startswith("Basic")
    assert _post_sns(Client(), payload, **basic("anymail-user:guess")).status_code == 403
    assert _nothing_stored()


# --- Mandrill: X-Mandrill-Signature, an HMAC-SHA1 of the webhook URL and the sorted POST fields ----


def mandrill_signature(fields: dict[str, str], *, key: str = MANDRILL_KEY, url: str = MANDRILL_URL) -> str:
    signed = url + "".join(name + fields[name] for name in sorted(fields))
    return base64.b64encode(hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def _mandrill_fields() -> dict[str, str]:
    return {"mandrill_events": (FIXTURES / "webhooks" / "mandrill_inbound_events.json").read_text()}


@pytest.fixture
def mandrill(settings):
    settings.ANYMAIL = {"MANDRILL_WEBHOOK_KEY": MANDRILL_KEY, "MANDRILL_WEBHOOK_URL": MANDRILL_URL}


def test_a_signed_mandrill_inbound_webhook_creates_the_ticket(mandrill, django_capture_on_commit_callbacks):
    fields = _mandrill_fields()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/anymail/mandrill/", data=fields, HTTP_X_MANDRILL_SIGNATURE=mandrill_signature(fields)
        )
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.source == "anymail:mandrill" and event.state == InboundEvent.State.PROCESSED
    ticket = Ticket.objects.get()
    assert ticket.contact.email == "sarah.j@mail.example" and ticket.subject == "Wrong size delivered"
    assert "received size 42" in ticket.messages.get().text


@pytest.mark.parametrize("tamper", ["no_signature", "changed_body", "other_key", "other_url"])
def test_a_tampered_mandrill_webhook_is_refused_and_nothing_stored(tamper, mandrill):
    fields = _mandrill_fields()
    extra = {"HTTP_X_MANDRILL_SIGNATURE": mandrill_signature(fields)}
    if tamper == "no_signature":
        extra = {}
    elif tamper == "changed_body":
        fields["mandrill_events"] = fields["mandrill_events"].replace("size 39", "size 38")
    elif tamper == "other_key":
        extra["HTTP_X_MANDRILL_SIGNATURE"] = mandrill_signature(fields, key="attacker-key")
    else:
        extra["HTTP_X_MANDRILL_SIGNATURE"] = mandrill_signature(fields, url="https://evil.example/hook")
    response = Client().post("/anymail/mandrill/", data=fields, **extra)
    assert response.status_code == 403
    assert _nothing_stored()


# --- Postal: X-Postal-Signature, an RSA-SHA1 signature of the body by the Postal server's key --------


@pytest.fixture(scope="module")
def postal_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_key_setting(private_key) -> str:
    """The key as Postal shows it for webhooks: the base64 body of the PEM public key."""
    from cryptography.hazmat.primitives import serialization

    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def postal_signature(private_key, body: bytes) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return base64.b64encode(private_key.sign(body, padding.PKCS1v15(), hashes.SHA1())).decode()


def test_a_signed_postal_inbound_webhook_creates_the_ticket(
    postal_key, settings, django_capture_on_commit_callbacks
):
    settings.ANYMAIL = {"POSTAL_WEBHOOK_KEY": _public_key_setting(postal_key)}
    body = (FIXTURES / "webhooks" / "postal_inbound_raw.json").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/anymail/postal/inbound/",
            data=body,
            content_type="application/json",
            HTTP_X_POSTAL_SIGNATURE=postal_signature(postal_key, body),
        )
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.source == "anymail:postal" and event.headers["envelope_recipient"] == "cs@tokoku.example"
    assert "dana refund belum masuk" in Ticket.objects.get().messages.get().text


@pytest.mark.parametrize("tamper", ["no_signature", "changed_body", "other_key", "garbage"])
def test_a_tampered_postal_webhook_is_refused_and_nothing_stored(tamper, postal_key, settings):
    from cryptography.hazmat.primitives.asymmetric import rsa

    settings.ANYMAIL = {"POSTAL_WEBHOOK_KEY": _public_key_setting(postal_key)}
    body = (FIXTURES / "webhooks" / "postal_inbound_raw.json").read_bytes()
    extra = {"HTTP_X_POSTAL_SIGNATURE": postal_signature(postal_key, body)}
    if tamper == "no_signature":
        extra = {}
    elif tamper == "changed_body":
        body = body.replace(b'"rcpt_to": "cs@', b'"rcpt_to": "xx@')
    elif tamper == "other_key":
        attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        extra["HTTP_X_POSTAL_SIGNATURE"] = postal_signature(attacker, body)
    else:
        extra["HTTP_X_POSTAL_SIGNATURE"] = "not base64 at all!"
    response = Client().post("/anymail/postal/inbound/", data=body, content_type="application/json", **extra)
    assert response.status_code == 403
    assert _nothing_stored()
