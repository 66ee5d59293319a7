"""Delivering outbound messages: unexpected errors end in a visible failure, and the redelivery sweep.

A queued message must end sent or failed with a reason the agent reads; never queued forever.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels_intake.models import InboundEvent
from channels_intake.processing import run
from channels_intake.tasks import (
    MAX_ATTEMPTS,
    UNEXPECTED_MAX_ATTEMPTS,
    deliver_message,
    redeliver_stuck_outbound,
)
from channels_intake.tests.support import fixture_bytes, whatsapp_number
from supportdesk.queue import enqueue_on_commit
from tickets import actions
from tickets.inbound import InboundAttachment
from tickets.models import DeliveryStatus, Message, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def ticket(personas):
    whatsapp_number(team=personas.team)
    run(
        InboundEvent.objects.create(
            channel="whatsapp", account="cs-jakarta", body=fixture_bytes("whatsapp", "text")
        ).pk
    )
    return Ticket.objects.get()


def queued_reply(ticket, agent, django_capture_on_commit_callbacks, **kwargs) -> Message:
    """A reply whose delivery task the broker lost: stored as queued, its task never ran."""
    with django_capture_on_commit_callbacks(execute=False):
        return actions.reply(ticket, by=agent, text="Baik kak, kami cek ya", **kwargs)


def reply_whose_file_went_missing(ticket, personas, capture):
    """A queued reply with a PDF that is then deleted from storage: not the provider's fault."""
    message = queued_reply(ticket, personas.agent, capture, attachments=[InboundAttachment("resi.pdf", PDF)])
    attachment = message.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    return message


def test_an_unexpected_error_is_retried_a_few_times_then_fails_the_message_with_a_reason(
    ticket, personas, fake_api, run_on_commit, django_capture_on_commit_callbacks
):
    """The reply's file went missing from storage: not the provider's fault, not a TransportError."""
    message = reply_whose_file_went_missing(ticket, personas, django_capture_on_commit_callbacks)
    run_on_commit(enqueue_on_commit, deliver_message, message.pk)
    message.refresh_from_db()
    assert message.send_attempts == UNEXPECTED_MAX_ATTEMPTS
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "FileNotFoundError" in message.delivery_error
    event = TicketEvent.objects.get(kind=TicketEvent.Kind.DELIVERY, message=message)
    assert "FileNotFoundError" in event.after["error"]


def test_an_unexpected_error_leaves_the_message_queued_with_the_reason_while_it_retries(
    ticket, personas, fake_api, django_capture_on_commit_callbacks
):
    from celery.exceptions import Retry

    message = reply_whose_file_went_missing(ticket, personas, django_capture_on_commit_callbacks)
    with pytest.raises(Retry):
        deliver_message.delay(message.pk)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED and message.send_attempts == 1
    assert "FileNotFoundError" in message.delivery_error
    assert message.next_attempt_at > timezone.now()


def test_the_sweep_queues_again_a_message_whose_task_was_lost(
    ticket, personas, fake_api, django_capture_on_commit_callbacks, time_machine, run_on_commit
):
    message = queued_reply(ticket, personas.agent, django_capture_on_commit_callbacks)
    assert run_on_commit(redeliver_stuck_outbound) == 0  # fresh: its own task may still come
    time_machine.shift(dt.timedelta(minutes=3))
    assert run_on_commit(redeliver_stuck_outbound) == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.send_attempts == 1
    assert len(fake_api.calls("POST", "/messages")) == 1
    assert run_on_commit(redeliver_stuck_outbound) == 0


def test_a_message_that_used_up_its_attempts_ends_failed_not_silently_queued(
    ticket, personas, fake_api, django_capture_on_commit_callbacks, time_machine
):
    message = queued_reply(ticket, personas.agent, django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(
        send_attempts=MAX_ATTEMPTS, delivery_error="Meta could not be reached: timed out"
    )
    time_machine.shift(dt.timedelta(hours=1))
    assert redeliver_stuck_outbound() == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert f"{MAX_ATTEMPTS}" in message.delivery_error and "timed out" in message.delivery_error
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.DELIVERY, message=message).exists()
    assert not fake_api.calls("POST", "/messages")


def test_the_sweep_leaves_sent_and_failed_messages_alone(
    ticket, personas, fake_api, run_on_commit, time_machine
):
    sent = run_on_commit(actions.reply, ticket, by=personas.agent, text="Halo")
    time_machine.shift(dt.timedelta(hours=1))
    assert redeliver_stuck_outbound() == 0
    sent.refresh_from_db()
    assert sent.delivery_status == DeliveryStatus.SENT and sent.send_attempts == 1
