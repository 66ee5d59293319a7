"""Agent replies by email: the headers that make threading, routing and loops work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels_intake.email.message_ids import ticket_from_message_id
from channels_intake.email.models import SentEmail
from channels_intake.email.tests.fake_servers import fake_mailgun
from channels_intake.tasks import MAX_ATTEMPTS
from tests.factories import customer_ticket
from tickets import actions
from tickets.inbound import InboundAttachment
from tickets.models import DeliveryStatus, TicketEvent

pytestmark = pytest.mark.django_db


def test_an_agent_reply_carries_our_signed_id_the_thread_the_tag_and_the_files(
    personas, mailoutbox, settings, ingest, django_capture_on_commit_callbacks
):
    settings.SUPPORT_REPLY_TO = "balas@tokoku.example"
    ticket = customer_ticket(sender="budi@example.test", external_id="<first@example.test>")
    ticket.participants.add(customer_ticket(sender="ani@example.test").contact)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.reply(
            ticket,
            by=personas.agent,
            text="Resi terlampir.",
            attachments=[InboundAttachment("resi.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")],
        )
        second = actions.reply(ticket, by=personas.agent, text="Ada kabar lagi?")
    first.refresh_from_db()
    second.refresh_from_db()
    mail_one, mail_two = mailoutbox
    assert mail_one.extra_headers["Message-ID"] == first.external_id
    assert ticket_from_message_id(first.external_id) == ticket.pk
    assert mail_one.extra_headers["In-Reply-To"] == "<first@example.test>"
    assert mail_two.extra_headers["In-Reply-To"] == first.external_id
    assert mail_two.extra_headers["References"] == f"<first@example.test> {first.external_id}"
    assert mail_one.subject.startswith(f"Re: [{ticket.reference}]") or mail_one.subject.startswith(
        f"[{ticket.reference}]"
    )
    assert mail_one.subject.count(ticket.reference) == 1
    assert mail_one.reply_to == ["balas@tokoku.example"]
    assert mail_one.cc == ["ani@example.test"]
    assert mail_one.attachments[0][0] == "resi.pdf"
    assert "Auto-Submitted" not in mail_one.extra_headers  # a person wrote it
    assert list(SentEmail.objects.filter(kind=SentEmail.Kind.REPLY).values_list("message_id", flat=True)) == [
        second.pk,
        first.pk,
    ]


def test_the_subject_is_not_tagged_twice(personas, mailoutbox, django_capture_on_commit_callbacks):
    ticket = customer_ticket(sender="budi@example.test", subject="Re: [#SD-999] lama")
    ticket.subject = f"[{ticket.reference}] sudah ada tag"
    ticket.save(update_fields=["subject"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply(ticket, by=personas.agent, text="Baik.")
    assert mailoutbox[-1].subject.count(ticket.reference) == 1


# Mailgun's real answers: https://documentation.mailgun.com/docs/mailgun/api-reference/
MAILGUN_UNAVAILABLE = ("503", "<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html")
MAILGUN_BAD_ADDRESS = (
    "400",
    '{"message": "to parameter is not a valid address. please check documentation"}',
    "application/json",
)


@pytest.fixture
def mailgun(settings):
    with fake_mailgun() as api:
        settings.EMAIL_BACKEND = "anymail.backends.mailgun.EmailBackend"
        settings.ANYMAIL = {"MAILGUN_API_KEY": "key-test", "MAILGUN_API_URL": api.url}
        yield api


def _reply(personas, run_on_commit, text: str = "Resi: JNE0123456789"):
    """An agent's reply, delivered as a worker would (retries included, backoff waits skipped)."""
    ticket = customer_ticket(sender="budi@example.test")
    message = run_on_commit(actions.reply, ticket, by=personas.agent, text=text)
    message.refresh_from_db()
    return message


def test_a_transient_esp_error_is_retried_with_backoff_until_it_is_sent(mailgun, personas, run_on_commit):
    for _ in range(2):
        status, body, kind = MAILGUN_UNAVAILABLE
        mailgun.script(int(status), body, kind)
    before = timezone.now()
    message = _reply(personas, run_on_commit)
    assert [request["status"] for request in mailgun.requests] == [503, 503, 200]
    assert message.delivery_status == DeliveryStatus.SENT and message.send_attempts == 3
    # The third attempt was scheduled 30 s * 2**2 after the second: the backoff doubles per attempt.
    assert dt.timedelta(seconds=110) <= message.next_attempt_at - before <= dt.timedelta(seconds=130)
    assert SentEmail.objects.get(message=message).esp_message_id == mailgun.requests[-1]["id"]


def test_a_permanent_esp_error_fails_the_reply_at_once_with_the_reason_shown(
    mailgun, personas, client, run_on_commit
):
    status, body, kind = MAILGUN_BAD_ADDRESS
    mailgun.script(int(status), body, kind)
    message = _reply(personas, run_on_commit)
    assert len(mailgun.requests) == 1  # no retry of what can never succeed
    assert message.delivery_status == DeliveryStatus.FAILED
    assert "not a valid address" in message.delivery_error
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.DELIVERY, message=message).exists()
    client.force_login(personas.agent)
    page = client.get(f"/desk/tickets/{message.ticket_id}/").content.decode()
    assert "not a valid address" in page


def test_an_esp_that_keeps_failing_is_given_up_after_the_last_attempt(mailgun, personas, run_on_commit):
    for _ in range(MAX_ATTEMPTS + 2):
        status, body, kind = MAILGUN_UNAVAILABLE
        mailgun.script(int(status), body, kind)
    message = _reply(personas, run_on_commit)
    assert len(mailgun.requests) == MAX_ATTEMPTS
    assert message.delivery_status == DeliveryStatus.FAILED and message.send_attempts == MAX_ATTEMPTS
    assert "503" in message.delivery_error
