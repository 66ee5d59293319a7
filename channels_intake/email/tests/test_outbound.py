"""Agent replies by email: the headers that make threading, routing and loops work."""

from __future__ import annotations

import pytest

from channels_intake.email.message_ids import ticket_from_message_id
from channels_intake.email.models import SentEmail
from tests.factories import customer_ticket
from tickets import actions
from tickets.inbound import InboundAttachment

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
