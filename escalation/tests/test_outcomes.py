"""The written outcome and the acknowledgement reach the customer: by email wherever there is an address,
on the ticket's channel when it allows it, and recorded on the ticket's conversation either way."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from channels_intake.accounts import WhatsAppTemplate
from channels_intake.tests.fakes import GRAPH_VERSION, FakeProviders
from channels_intake.tests.support import whatsapp_number
from escalation import actions, requests
from escalation.models import EscalationStatus
from escalation.tests.conftest import at, ticket_for
from tickets import actions as ticket_actions
from tickets.inbound import SenderIdentity
from tickets.models import Channel, Contact, DeliveryStatus, Direction, Message, Status

pytestmark = pytest.mark.django_db
EMAIL = SenderIdentity(kind="email", address="andi@example.test")


def english(ticket):  # type: ignore[no-untyped-def]
    """The customer reads English (mail follows the contact's language), so the tests can read it too."""
    Contact.objects.filter(pk=ticket.contact_id).update(language="en")
    ticket.contact.refresh_from_db()
    return ticket


def whatsapp_ticket(desk, *, email: bool):  # type: ignore[no-untyped-def]
    return english(
        ticket_for(
            desk,
            channel="whatsapp",
            kind="phone",
            sender="6281234567890",
            name="Andi",
            other_identities=(EMAIL,) if email else (),
        )
    )


@pytest.fixture
def fake_meta(settings):  # type: ignore[no-untyped-def]
    fake = FakeProviders().start()
    settings.META_GRAPH_URL = f"{fake.url}/{GRAPH_VERSION}"
    try:
        yield fake
    finally:
        fake.stop()


def customer_mail(mailoutbox, address: str = "andi@example.test"):  # type: ignore[no-untyped-def]
    return [m for m in mailoutbox if address in m.to]


def test_after_the_whatsapp_window_the_outcome_goes_by_email_and_the_timeline_says_why(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = whatsapp_ticket(desk, email=True)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="Refund belum masuk")
    clock.move_to(at(4, 10))  # two working days later: the 24-hour window closed long ago
    with django_capture_on_commit_callbacks(execute=True):
        escalation = actions.resolve(escalation, by=desk.supervisor, outcome="Refund diproses hari ini.")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome_message is None  # nothing on WhatsApp
    email = escalation.outcome_email
    assert (email.channel, email.direction, email.delivery_status) == (
        Channel.EMAIL,
        Direction.OUTBOUND,
        DeliveryStatus.SENT,
    )
    [mail] = customer_mail(mailoutbox)
    assert "Refund diproses hari ini." in mail.body and ticket.reference in mail.subject
    assert "The outcome of your escalation" in mail.subject
    assert escalation.outcome_sent_at == at(4, 10) == escalation.outcome_emailed_at
    note = Message.objects.get(ticket=ticket, direction=Direction.NOTE)
    assert "not sent on WhatsApp" in note.text and "24 hours" in note.text
    assert "andi@example.test" in note.text
    assert "WhatsApp" in escalation.outcome_channel_note or "24 hours" in escalation.outcome_channel_note


def test_with_no_email_and_the_window_closed_the_resolve_succeeds_and_tells_the_supervisor(
    client, desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = whatsapp_ticket(desk, email=False)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="Pelanggan minta supervisor")
    clock.move_to(at(4, 10))
    client.force_login(desk.supervisor)
    url = reverse("admin:escalation_escalation_operation", args=["resolve"]) + f"?ids={escalation.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"ids": escalation.pk, "outcome": "Kompensasi voucher 50rb."}, follow=True
        )
    page = response.content.decode()
    assert "could not be reached in writing" in page
    assert "Ask the customer for an email address" in page and "template" in page
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome == "Kompensasi voucher 50rb."
    assert escalation.outcome_sent_at is None and escalation.outcome_emailed_at is None
    assert (escalation.outcome_message, escalation.outcome_email) == (None, None)
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
    note = Message.objects.get(ticket=ticket, direction=Direction.NOTE)
    assert "Kompensasi voucher 50rb." in note.text and "could not be sent" in note.text
    assert not customer_mail(mailoutbox)


def test_an_approved_outcome_template_carries_it_on_whatsapp_after_the_window(
    desk, clock, settings, fake_meta, mailoutbox, django_capture_on_commit_callbacks
):
    whatsapp_number(team=desk.team)
    WhatsAppTemplate.objects.create(
        name="hasil_eskalasi", language="id", body="Hasil peninjauan tiket {{1}}: {{2}}"
    )
    settings.ESCALATION_OUTCOME_TEMPLATE = "hasil_eskalasi"
    ticket = whatsapp_ticket(desk, email=False)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="x")
    clock.move_to(at(4, 10))
    with django_capture_on_commit_callbacks(execute=True):
        actions.resolve(escalation, by=desk.supervisor, outcome="Dana kembali\nbesok pagi.")
    escalation.refresh_from_db()
    message = escalation.outcome_message
    assert message.metadata["template"]["variables"] == [ticket.reference, "Dana kembali besok pagi."]
    assert message.delivery_status == DeliveryStatus.SENT
    [sent] = [r for r in fake_meta.requests if r.path.endswith("/messages")]
    assert json.loads(sent.body)["template"]["name"] == "hasil_eskalasi"
    assert escalation.outcome_sent_at == at(4, 10) and escalation.outcome_channel_note == ""
    assert not Message.objects.filter(ticket=ticket, direction=Direction.NOTE).exists()


def test_the_outcome_reaches_the_customer_by_email_although_the_ticket_was_closed(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_for(desk)
    escalation = requests.request_by_customer(ticket, text="Agen tidak membalas")
    ticket_actions.change_status(ticket, status=Status.CLOSED, by=desk.agent)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.resolve(escalation, by=desk.supervisor, outcome="Paket dikirim ulang.")
    escalation.refresh_from_db()
    [mail] = customer_mail(mailoutbox, "budi@example.test")
    assert "Paket dikirim ulang." in mail.body
    assert escalation.outcome_email.delivery_status == DeliveryStatus.SENT
    assert escalation.outcome_sent_at == at(2, 10)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED  # the outcome does not reopen it


def test_a_whatsapp_outcome_inside_the_window_goes_on_whatsapp_and_by_email(
    desk, clock, settings, fake_meta, mailoutbox, django_capture_on_commit_callbacks
):
    whatsapp_number(team=desk.team)
    ticket = whatsapp_ticket(desk, email=True)
    escalation = requests.request_by_customer(ticket, text="Refund belum masuk")
    with django_capture_on_commit_callbacks(execute=True):
        actions.resolve(escalation, by=desk.supervisor, outcome="Refund diproses hari ini.")
    escalation.refresh_from_db()
    assert escalation.outcome_message.channel == Channel.WHATSAPP
    assert escalation.outcome_message.delivery_status == DeliveryStatus.SENT
    outcome_mail = [m for m in customer_mail(mailoutbox) if "outcome" in m.subject]
    assert len(outcome_mail) == 1 and "Refund diproses hari ini." in outcome_mail[0].body
    assert "We answered you on WhatsApp" in outcome_mail[0].body
    assert escalation.outcome_emailed_at == at(2, 10)
    # A retried delivery sends nothing more.
    from channels_intake.tasks import deliver_message

    deliver_message(escalation.outcome_email_id)
    assert len([m for m in customer_mail(mailoutbox) if "outcome" in m.subject]) == 1


def test_outcome_sent_at_is_stamped_when_the_delivery_task_sends_it_not_when_it_is_queued(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    escalation = requests.request_by_customer(ticket_for(desk), text="tolong")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        actions.resolve(escalation, by=desk.supervisor, outcome="Sudah kami proses.")
    escalation.refresh_from_db()
    assert escalation.outcome_message.delivery_status == DeliveryStatus.QUEUED
    assert escalation.outcome_sent_at is None
    clock.move_to(at(2, 10, 5))  # the worker runs five minutes later
    for callback in queued:
        callback()
    escalation.refresh_from_db()
    assert escalation.outcome_sent_at == at(2, 10, 5)


def test_the_acknowledgement_is_on_the_conversation_and_stamped_when_sent(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = english(ticket_for(desk))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        escalation = requests.request_by_customer(ticket, text="Agen tidak membalas")
    escalation.refresh_from_db()
    message = escalation.acknowledgement_message
    assert (message.direction, message.channel, message.is_automatic) == (
        Direction.OUTBOUND,
        Channel.EMAIL,
        True,
    )
    assert "A supervisor will review it" in message.text
    assert escalation.customer_acknowledged_at is None  # queued, not sent
    for callback in queued:
        callback()
    escalation.refresh_from_db()
    assert escalation.customer_acknowledged_at == at(2, 10)
    [mail] = [m for m in customer_mail(mailoutbox, "budi@example.test") if "supervisor" in m.subject]
    assert mail.extra_headers["Auto-Submitted"] == "auto-replied"
    ticket.refresh_from_db()
    assert ticket.first_response_at is None  # an automatic mail is not an answer


def test_the_acknowledgement_is_not_marked_sent_without_an_address(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = whatsapp_ticket(desk, email=False)
    with django_capture_on_commit_callbacks(execute=True):
        escalation = requests.request_by_customer(ticket, text="tolong")
    escalation.refresh_from_db()
    assert escalation.acknowledgement_message is None
    assert escalation.customer_acknowledged_at is None
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
