"""The periodic sweeps that finish what a lost task left, and the admin's "process again"."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels_intake.email.tests.conftest import load
from channels_intake.models import InboundEvent
from channels_intake.processing import MAX_ATTEMPTS, reprocess, run
from channels_intake.statuses import PENDING_STATUS_MAX_AGE, PendingStatus, sweep_pending_statuses
from channels_intake.tests.support import fixture, fixture_bytes, whatsapp_number
from tests.factories import PASSWORD
from tickets import actions
from tickets.models import DeliveryStatus, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
WAMID = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0RkE5QjM1RTM4QkM3QkQ2OQA="


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


def status_arrives(name: str, wamid: str) -> None:
    payload = fixture("whatsapp", name)
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = wamid
    event = InboundEvent.objects.create(
        channel="whatsapp", account="cs-jakarta", source="webhook", body=json.dumps(payload).encode()
    )
    run(event.pk)


@pytest.fixture
def conversation(number):
    event = InboundEvent.objects.create(
        channel="whatsapp", account="cs-jakarta", source="webhook", body=fixture_bytes("whatsapp", "text")
    )
    run(event.pk)
    return Ticket.objects.get()


def sent_by_a_task_that_died(ticket: Ticket, agent, django_capture_on_commit_callbacks) -> Message:
    """A reply whose delivery task stored the id WhatsApp returned and was killed before it looked for
    statuses that had overtaken it (tasks.deliver_message's last step)."""
    with django_capture_on_commit_callbacks(execute=False):
        message = actions.reply(ticket, by=agent, text="Paketnya kami cek ya kak")
    actions.record_delivery(message, status=DeliveryStatus.SENT, external_id=WAMID)
    return message


# --- sweep_pending_statuses -------------------------------------------------------------------------


def test_the_sweep_applies_a_status_that_arrived_before_its_message_once_the_message_exists(
    conversation, personas, django_capture_on_commit_callbacks
):
    status_arrives("status_read", WAMID)
    assert PendingStatus.objects.get().status == DeliveryStatus.READ
    message = sent_by_a_task_that_died(conversation, personas.agent, django_capture_on_commit_callbacks)
    assert sweep_pending_statuses() == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.READ
    assert not PendingStatus.objects.exists()
    assert sweep_pending_statuses() == 0


def test_the_sweep_applies_an_early_failure_with_its_reason(
    conversation, personas, django_capture_on_commit_callbacks
):
    status_arrives("status_failed", WAMID)
    message = sent_by_a_task_that_died(conversation, personas.agent, django_capture_on_commit_callbacks)
    sweep_pending_statuses()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED and "131047" in message.delivery_error


def test_the_sweep_keeps_a_status_whose_message_is_not_known_yet(conversation):
    status_arrives("status_delivered", WAMID)
    assert sweep_pending_statuses() == 0
    assert PendingStatus.objects.get().external_id == WAMID


def test_the_sweep_drops_statuses_too_old_to_ever_find_their_message(conversation):
    status_arrives("status_delivered", WAMID)
    status_arrives("status_read", "wamid.sent-from-another-tool")
    PendingStatus.objects.filter(external_id=WAMID).update(
        received_at=timezone.now() - PENDING_STATUS_MAX_AGE - dt.timedelta(minutes=1)
    )
    sweep_pending_statuses()
    assert list(PendingStatus.objects.values_list("external_id", flat=True)) == [
        "wamid.sent-from-another-tool"
    ]


# --- reprocess (the admin's "process again") --------------------------------------------------------


def test_a_quarantined_event_processed_again_becomes_a_ticket_with_a_fresh_attempt_count(
    number, run_on_commit
):
    event = InboundEvent.objects.create(
        channel="whatsapp",
        account="cs-jakarta",
        body=fixture_bytes("whatsapp", "text"),
        state=InboundEvent.State.QUARANTINED,
        attempts=MAX_ATTEMPTS + 1,
        error=f"Gave up after {MAX_ATTEMPTS} tries.",
        processed_at=timezone.now(),
    )
    assert run_on_commit(reprocess, InboundEvent.objects.all()) == 1
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED and event.attempts == 1
    assert event.ticket_ids == [Ticket.objects.get().pk] and Message.objects.count() == 1


def test_a_quarantined_email_is_processed_again_by_the_email_task(db, run_on_commit):
    event = InboundEvent.objects.create(
        channel="email",
        source="imap",
        body=load("gmail_plain_id.eml"),
        state=InboundEvent.State.QUARANTINED,
        attempts=5,
        processed_at=timezone.now(),
    )
    assert run_on_commit(reprocess, [event]) == 1
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED and event.attempts == 1
    assert Ticket.objects.get().channel == "email"


def test_settled_events_and_channels_nobody_processes_are_left_alone(number, run_on_commit):
    processed = InboundEvent.objects.create(
        channel="whatsapp", body=fixture_bytes("whatsapp", "text"), state=InboundEvent.State.PROCESSED
    )
    ignored = InboundEvent.objects.create(
        channel="whatsapp", body=b"{}", state=InboundEvent.State.IGNORED, attempts=1
    )
    unknown = InboundEvent.objects.create(
        channel="carrier-pigeon", body=b"{}", state=InboundEvent.State.QUARANTINED, attempts=1
    )
    assert run_on_commit(reprocess, InboundEvent.objects.order_by("pk")) == 0
    states = dict(InboundEvent.objects.values_list("pk", "state"))
    assert states == {
        processed.pk: InboundEvent.State.PROCESSED,
        ignored.pk: InboundEvent.State.IGNORED,
        unknown.pk: InboundEvent.State.QUARANTINED,
    }
    assert not Message.objects.exists()


def test_the_admin_action_processes_the_selected_events_again_and_says_how_many(
    client, personas, number, django_capture_on_commit_callbacks
):
    event = InboundEvent.objects.create(
        channel="whatsapp",
        body=fixture_bytes("whatsapp", "text"),
        state=InboundEvent.State.QUARANTINED,
        attempts=MAX_ATTEMPTS + 1,
    )
    client.login(username=personas.admin.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/channels_intake/inboundevent/",
            {"action": "reprocess_events", "_selected_action": [event.pk]},
            follow=True,
        )
    assert "1 event queued again." in response.content.decode()
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED and Message.objects.count() == 1
