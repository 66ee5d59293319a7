"""The WhatsApp webhook: Meta's handshake, signatures over the raw body, store fast, process in a task."""

import hashlib
import json

import pytest

from channels_intake.models import InboundEvent
from channels_intake.tests.support import (
    APP_SECRET,
    VERIFY_TOKEN,
    fixture_bytes,
    meta_signature,
    whatsapp_number,
)
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
URL = "/intake/whatsapp/"


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


def post(client, body, **headers):
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_the_handshake_echoes_the_challenge_for_our_verify_token(client, number):
    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_the_handshake_refuses_a_wrong_verify_token(client, number):
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert response.status_code == 403


def test_the_handshake_without_a_challenge_is_a_bad_request(client, number):
    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}).status_code == 400


def test_the_handshake_works_on_the_accounts_own_url(client, number):
    response = client.get(
        f"{URL}{number.slug}/",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
    )
    assert response.content == b"42"


def test_an_unknown_account_suffix_is_not_found(client, number):
    body = fixture_bytes("whatsapp", "text")
    response = post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body))
    assert response.status_code == 200
    response = client.post(
        f"{URL}nobody/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body),
    )
    assert response.status_code == 404


def test_a_signed_event_is_stored_acknowledged_and_becomes_a_ticket(client, number, personas, run_on_commit):
    body = fixture_bytes("whatsapp", "text")
    response = run_on_commit(post, client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body))
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    # Once processed, the raw body is replaced by its redacted copy (nothing to mask here: same JSON);
    # the checksum of what Meta signed stays.
    assert json.loads(bytes(event.body)) == json.loads(body)
    assert event.body_sha256 == hashlib.sha256(body).hexdigest() and event.body_size == len(body)
    assert event.channel == "whatsapp" and event.account == number.slug
    assert event.state == InboundEvent.State.PROCESSED
    ticket = Ticket.objects.get()
    assert event.ticket_ids == [ticket.pk]
    assert ticket.channel == "whatsapp" and ticket.team == personas.team
    assert ticket.contact.phone == "+6281234567890"
    assert ticket.contact.name == "Budi Santoso"


def test_an_unsigned_event_is_refused_and_nothing_is_stored(client, number):
    response = post(client, fixture_bytes("whatsapp", "text"))
    assert response.status_code == 401
    assert not InboundEvent.objects.exists() and not Message.objects.exists()


def test_a_tampered_body_is_refused_and_nothing_is_stored(client, number):
    body = fixture_bytes("whatsapp", "text")
    signature = meta_signature(body)
    tampered = body.replace(b"belum sampai", b"sudah sampai")
    response = post(client, tampered, HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(client, number):
    body = fixture_bytes("whatsapp", "text")
    response = post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body, secret=APP_SECRET[::-1]))
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_malformed_signature_header_is_refused(client, number):
    body = fixture_bytes("whatsapp", "text")
    response = post(client, body, HTTP_X_HUB_SIGNATURE_256="sha1=" + "0" * 40)
    assert response.status_code == 403


def test_an_inactive_number_cannot_sign_events(client, number):
    number.active = False
    number.save(update_fields=["active"])
    body = fixture_bytes("whatsapp", "text")
    assert post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body)).status_code == 403


def test_acknowledging_does_not_depend_on_the_worker(client, number):
    """Without on-commit callbacks running (no worker, broker down) the event is still kept and acknowledged."""
    body = fixture_bytes("whatsapp", "text")
    response = post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body))
    assert response.status_code == 200
    assert InboundEvent.objects.get().state == InboundEvent.State.PENDING
    assert not Ticket.objects.exists()


def test_numbers_of_different_teams_route_their_tickets(client, personas, run_on_commit):
    from tickets.models import Team

    sellers = Team.objects.create(name="Tim Penjual", slug="sellers")
    whatsapp_number(team=personas.team)
    whatsapp_number(team=sellers, slug="cs-sellers", phone_number_id="106540352242999", name="CS Sellers")
    body = fixture_bytes("whatsapp", "text").replace(b"106540352242922", b"106540352242999")
    run_on_commit(post, client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body))
    assert Ticket.objects.get().team == sellers


def test_an_acknowledgement_costs_one_insert_once_the_account_is_known(
    client, number, django_assert_num_queries
):
    body = fixture_bytes("whatsapp", "text")
    assert post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body)).status_code == 200
    with django_assert_num_queries(1):  # the account comes from this process's short-lived cache
        assert post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body)).status_code == 200
    assert InboundEvent.objects.count() == 2


def test_a_deactivated_account_stops_answering_at_once_in_this_process(client, number):
    body = fixture_bytes("whatsapp", "text")
    assert post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body)).status_code == 200
    number.active = False
    number.save(update_fields=["active"])
    assert post(client, body, HTTP_X_HUB_SIGNATURE_256=meta_signature(body)).status_code == 403
