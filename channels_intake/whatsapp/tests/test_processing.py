"""From stored event to ticket: once per wamid, in order-independent ways, surviving a killed worker."""

import json

import pytest

from channels_intake.models import InboundEvent
from channels_intake.processing import run, store_event, sweep_pending_events
from channels_intake.statuses import PendingStatus
from channels_intake.tests.support import fixture, fixture_bytes, whatsapp_number
from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.models import Channel, DeliveryStatus, Direction, Message, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


def stored(name=None, *, body=None):
    """An event as the webhook stores it, without running its task (a worker that never came)."""
    return InboundEvent.objects.create(
        channel="whatsapp",
        account="cs-jakarta",
        source="webhook",
        body=body or fixture_bytes("whatsapp", name),
    )


def with_text(text, wamid, *, sender="6281234567890"):
    payload = fixture("whatsapp", "text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": wamid, "from": sender, "text": {"body": text}})
    payload["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = sender
    return json.dumps(payload).encode()


def test_the_same_event_delivered_twice_creates_one_message(number):
    first, second = stored("text"), stored("text")
    assert run(first.pk) == InboundEvent.State.PROCESSED
    assert run(second.pk) == InboundEvent.State.PROCESSED
    assert Message.objects.count() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.ticket_ids == first.ticket_ids == [Ticket.objects.get().pk]


def test_an_event_left_pending_by_a_killed_worker_is_processed_by_the_sweep_once(number):
    event = stored("text")  # stored and acknowledged; its task never ran
    assert sweep_pending_events(older_than_seconds=0) == 1
    assert sweep_pending_events(older_than_seconds=0) == 0
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED and event.attempts == 1
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_sweep_leaves_fresh_events_to_their_own_task(number):
    stored("text")
    assert sweep_pending_events(older_than_seconds=3600) == 0
    assert InboundEvent.objects.get().state == InboundEvent.State.PENDING


def test_an_event_that_is_not_json_is_quarantined_not_retried(number):
    event = stored(body=b"<html>not json</html>")
    assert run(event.pk) == InboundEvent.State.QUARANTINED
    event.refresh_from_db()
    assert "Not JSON" in event.error


def test_an_event_failing_every_time_is_quarantined_after_the_last_try(number, monkeypatch):
    event = stored("text")
    InboundEvent.objects.filter(pk=event.pk).update(attempts=5)
    assert run(event.pk) == InboundEvent.State.QUARANTINED
    assert not Message.objects.exists()


def test_an_event_with_only_statuses_of_unknown_messages_keeps_them(number):
    event = stored("status_delivered")
    assert run(event.pk) == InboundEvent.State.PROCESSED
    assert PendingStatus.objects.get().status == DeliveryStatus.DELIVERED


def test_every_message_type_is_stored_never_dropped(number):
    names = [
        "text",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive_button_reply",
        "interactive_list_reply",
        "button",
        "reaction",
        "reply",
        "unsupported",
    ]
    for name in names:
        payload = fixture("whatsapp", name)
        payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] += name  # one wamid per fixture
        run(stored(body=json.dumps(payload).encode()).pk)
    assert Message.objects.filter(direction=Direction.INBOUND).count() == len(names)
    assert Ticket.objects.count() == 1  # one customer, one open conversation
    assert not Message.objects.filter(text="").exists()


def test_a_whatsapp_message_joins_the_contact_of_a_form_ticket_that_gave_the_phone(number):
    from tickets.inbound import SenderIdentity

    form_ticket = customer_ticket(
        channel=Channel.WEB, other_identities=(SenderIdentity(kind="phone", address="0812-3456-7890"),)
    )
    run(stored("text").pk)
    whatsapp_ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    assert whatsapp_ticket.contact_id == form_ticket.contact_id


def test_messages_join_the_open_ticket_and_a_recently_resolved_one_reopens(number, personas):
    run(stored(body=with_text("halo", "wamid.A1")).pk)
    ticket = Ticket.objects.get()
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    run(stored(body=with_text("masih belum sampai", "wamid.A2")).pk)
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1 and ticket.status == Status.OPEN and ticket.messages.count() == 2


def test_a_message_after_the_reopen_window_opens_a_new_ticket(number, personas, settings, time_machine):
    settings.STREAM_REOPEN_WINDOW_DAYS = 7
    time_machine.move_to("2024-11-01 09:00 +07:00")
    run(stored(body=with_text("halo", "wamid.B1")).pk)
    actions.change_status(Ticket.objects.get(), status=Status.RESOLVED, by=personas.agent)
    time_machine.move_to("2024-11-09 09:00 +07:00")
    run(stored(body=with_text("pesanan lain", "wamid.B2")).pk)
    assert Ticket.objects.count() == 2


def test_a_status_arriving_before_its_message_is_kept_and_applied(number, personas, fake_api, run_on_commit):
    """Meta's "delivered" overtakes our delivery task: it waits in PendingStatus, then applies."""
    run(stored(body=with_text("halo", "wamid.C1")).pk)
    ticket = Ticket.objects.get()
    early = fixture("whatsapp", "status_read")
    early["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "wamid.FAKE0000000001"
    run(stored(body=json.dumps(early).encode()).pk)
    assert PendingStatus.objects.count() == 1
    message = run_on_commit(actions.reply, ticket, by=personas.agent, text="Baik kak, kami cek ya")
    message.refresh_from_db()
    assert message.external_id == "wamid.FAKE0000000001"
    assert message.delivery_status == DeliveryStatus.READ
    assert not PendingStatus.objects.exists()


def test_statuses_never_move_back_and_a_failure_is_shown_with_its_reason(
    number, personas, fake_api, run_on_commit
):
    run(stored(body=with_text("halo", "wamid.D1")).pk)
    message = run_on_commit(actions.reply, Ticket.objects.get(), by=personas.agent, text="Siap kak")
    message.refresh_from_db()
    for name in ("status_read", "status_delivered"):
        payload = fixture("whatsapp", name)
        payload["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = message.external_id
        run(stored(body=json.dumps(payload).encode()).pk)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.READ
    failed = fixture("whatsapp", "status_failed")
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = message.external_id
    run(stored(body=json.dumps(failed).encode()).pk)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "131047" in message.delivery_error
    event = TicketEvent.objects.get(kind=TicketEvent.Kind.DELIVERY)
    assert "24 hours" in event.after["error"]


def test_an_agent_merges_a_whatsapp_ticket_into_the_email_ticket_of_the_same_customer(number, personas):
    from tickets.inbound import SenderIdentity

    email_ticket = customer_ticket(
        "Pesanan INV/1 belum sampai", other_identities=(SenderIdentity(kind="phone", address="081234567890"),)
    )
    run(stored("text").pk)
    whatsapp_ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    assert whatsapp_ticket.contact_id == email_ticket.contact_id
    actions.merge(whatsapp_ticket, into=email_ticket, by=personas.agent)
    whatsapp_ticket.refresh_from_db()
    assert whatsapp_ticket.merged_into_id == email_ticket.pk and whatsapp_ticket.status == Status.CLOSED
    assert email_ticket.messages.filter(channel=Channel.WHATSAPP).count() == 1
    # The customer writes again on WhatsApp: a new WhatsApp ticket, so the answer goes back on WhatsApp.
    run(stored(body=with_text("ada kabar?", "wamid.E2")).pk)
    assert Ticket.objects.filter(channel=Channel.WHATSAPP, merged_into__isnull=True).count() == 1


def test_store_event_queues_processing_after_commit(number, run_on_commit):
    event = run_on_commit(
        store_event,
        channel="whatsapp",
        account="cs-jakarta",
        body=fixture_bytes("whatsapp", "text"),
        headers={},
    )
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED


def test_inbound_helper_still_works_for_whatsapp():
    ticket = customer_ticket(
        channel=Channel.WHATSAPP, kind="phone", sender="6281234567890", external_id="wamid.Z"
    )
    assert ticket.contact.phone == "+6281234567890"
    assert inbound  # the shared builder is importable for channel tests


def test_a_crash_half_way_stores_nothing_and_the_sweep_finishes_the_event_once(number, monkeypatch):
    """The message and the event's new state commit together: a worker dying in between leaves neither."""
    payload = fixture("whatsapp", "text")
    payload["entry"][0]["changes"][0]["value"]["statuses"] = fixture("whatsapp", "status_sent")["entry"][0][
        "changes"
    ][0]["value"]["statuses"]
    event = stored(body=json.dumps(payload).encode())

    def worker_dies(update):
        raise SystemExit("worker killed")

    monkeypatch.setattr("channels_intake.messaging.apply_status", worker_dies)
    with pytest.raises(SystemExit):
        run(event.pk)
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PENDING and not Message.objects.exists()
    monkeypatch.undo()
    assert sweep_pending_events(older_than_seconds=0) == 1
    assert sweep_pending_events(older_than_seconds=0) == 0
    assert Message.objects.count() == 1 and PendingStatus.objects.count() == 1


def test_a_sender_that_is_not_a_phone_number_quarantines_the_event_with_the_reason(number):
    event = stored(body=with_text("halo", "wamid.Q1", sender="12"))
    assert run(event.pk) == InboundEvent.State.QUARANTINED
    event.refresh_from_db()
    assert event.error.startswith("wamid.Q1:")
    assert not Ticket.objects.exists()
