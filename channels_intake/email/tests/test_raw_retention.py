"""A processed email keeps its headers, redacted; its raw body (full card numbers, OTPs) goes.

The rule for every channel is tested in channels_intake/tests/test_retention.py.
"""

from __future__ import annotations

import hashlib

import pytest

from channels_intake.email.tests.conftest import load
from channels_intake.models import InboundEvent
from channels_intake.retention import REDACTED_HEADER
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_processed_email_keeps_only_its_headers_decoded_and_redacted(ingest):
    original = load("card_number_and_otp.eml")
    event = ingest("card_number_and_otp.eml")
    assert event.state == InboundEvent.State.PROCESSED
    body = bytes(event.body).decode()
    assert "Subject: Kartu 411111******1111 terdebit dua kali" in body
    assert "Message-ID: <card-otp-1@mail.example>" in body
    assert f"{REDACTED_HEADER}: sha256={hashlib.sha256(original).hexdigest()}; size={len(original)}" in body
    assert "4111" not in body.replace("411111******1111", "") and "845123" not in body
    assert "iVBORw0KGgo" not in body  # the attachment is stored with the message, not kept twice
    # The ticket has everything the customer sent, redacted.
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    assert ticket.messages.get().attachments.count() == 1


def test_a_processed_email_with_an_encoded_subject_loses_the_card_in_it_too(ingest):
    raw = load("card_number_and_otp.eml").replace(
        b"Subject: Kartu 4111 1111 1111 1111 terdebit dua kali",
        b"Subject: =?utf-8?b?S2FydHUgNDExMSAxMTExIDExMTEgMTExMSB0ZXJkZWJpdA==?=",
    )
    event = ingest(raw)
    assert "Subject: Kartu 411111******1111 terdebit" in bytes(event.body).decode()
