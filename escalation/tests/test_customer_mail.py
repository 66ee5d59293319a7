"""Every email a customer gets offers "Request escalation to a supervisor": each sender is exercised
here, and a guard finds new senders and new mail templates that would skip the shared footer."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from channels_intake.chat import transcript, visitor
from channels_intake.chat.models import ChatWidget
from channels_intake.email.auto_replies import send_out_of_hours_reply
from escalation import actions, requests
from escalation.tests.conftest import Desk, at, ticket_for
from tests.factories import customer_ticket
from tickets import actions as ticket_actions
from tickets.links import status_token
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
CUSTOMER = "budi@example.test"


def request_url(ticket: Ticket) -> str:
    return reverse("escalation_public:request", kwargs={"token": status_token(ticket)})


def acknowledgement(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    return ticket_for(desk)


def reply(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk)
    ticket_actions.reply(ticket, by=desk.agent, text="Kami cek dulu ya")
    return ticket


def out_of_hours_reply(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk)
    clock.move_to(at(3, 6))  # the team's desk opens at 08.00
    again = customer_ticket("Halo? Ada yang bisa bantu?", ticket_id=ticket.pk)
    assert again == ticket
    assert send_out_of_hours_reply(ticket)
    return ticket


def chat_transcript(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    widget = ChatWidget.objects.create(
        name="Toko Contoh", team=desk.team, allowed_origins="https://toko.test"
    )
    session = visitor.start_session(widget, name="Budi Santoso", email=CUSTOMER)
    visitor.post_message(
        session, client_id="6f1d8a8e-2c7b-4c55-9a0e-3b7b1f0d9e11", text="Pesanan saya belum sampai"
    )
    session.refresh_from_db()
    transcript.request_transcript(session, email=CUSTOMER)
    assert session.ticket is not None
    return session.ticket


def escalation_acknowledgement(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk)
    requests.request_by_customer(ticket, text="Agen tidak membalas")
    return ticket


def escalation_outcome(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="x")
    actions.resolve(escalation, by=desk.supervisor, outcome="Paket dikirim ulang.")
    return ticket


def escalation_outcome_on_a_closed_ticket(desk: Desk, clock) -> Ticket:  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk)
    escalation = requests.request_by_agent(ticket, by=desk.agent, text="x")
    ticket_actions.change_status(ticket, status="closed", by=desk.agent)
    actions.resolve(escalation, by=desk.supervisor, outcome="Paket dikirim ulang.")
    return ticket


# Each way SupportDesk writes to a customer.
SENDERS: dict[str, Callable[[Desk, object], Ticket]] = {
    "acknowledgement": acknowledgement,
    "reply": reply,
    "out_of_hours_reply": out_of_hours_reply,
    "chat_transcript": chat_transcript,
    "escalation_acknowledgement": escalation_acknowledgement,
    "escalation_outcome": escalation_outcome,
    "escalation_outcome_on_a_closed_ticket": escalation_outcome_on_a_closed_ticket,
}


@pytest.mark.parametrize("sender", SENDERS)
def test_every_customer_email_offers_the_escalation_link(
    sender, desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = SENDERS[sender](desk, clock)
    mail = [m for m in mailoutbox if CUSTOMER in m.to]
    assert mail, f"{sender} sent nothing"
    # The mail this sender is about is the last one; every earlier one must carry the link too.
    for item in mail:
        assert request_url(ticket) in item.body, f"{sender}: “{item.subject}” has no escalation link"
        assert "supervisor" in item.body.lower() or "eskalasi" in item.body.lower()


# --- The guard: no mail and no mail template can skip the footer -------------------------------------------

# Modules that build an email, and what they send. Customer mail must go through one of the senders
# exercised above; staff mail needs no customer footer.
MAIL_MODULES = {
    "channels_intake/email/auto_replies.py": "customer: acknowledgement, out-of-hours reply",
    "channels_intake/email/outbound.py": "customer: every reply and escalation message",
    "channels_intake/chat/transcript.py": "customer: chat transcript",
    "escalation/mail.py": "staff: supervisor notices and digests",
}
# Templates in an email/ folder that are not whole customer mails.
NOT_CUSTOMER_MAIL = {
    "tickets/email/_footer.txt": "the footer itself",
    "escalation/email/digest.txt": "staff",
    "escalation/email/supervisor_notification.txt": "staff",
    "escalation/email/customer_acknowledgement.txt": "a message text, mailed through reply.txt",
    "escalation/email/outcome.txt": "a message text, mailed through reply.txt",
    "escalation/email/outcome_copy.txt": "a message text, mailed through reply.txt",
}
BUILDS_MAIL = re.compile(r"\b(EmailMultiAlternatives|EmailMessage|send_mail|send_mass_mail|mail_admins)\(")


def _sources() -> list[Path]:
    skip = {".venv", "node_modules", "tests", "migrations", "bench"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def test_no_module_sends_mail_outside_the_known_senders():
    found = {str(p.relative_to(ROOT)) for p in _sources() if BUILDS_MAIL.search(p.read_text())}
    assert found == set(MAIL_MODULES), "add a new customer mail to SENDERS above (and its footer)"


def test_every_customer_mail_template_ends_with_the_shared_footer():
    templates = [
        p
        for p in [*ROOT.glob("templates/**/email/*.txt"), *ROOT.glob("*/templates/**/email/*.txt")]
        if ".venv" not in p.parts
    ]
    names = {str(p).split("templates/", 1)[1]: p for p in templates}
    assert "tickets/email/reply.txt" in names and "chat/email/transcript.txt" in names
    missing = [
        name
        for name, path in names.items()
        if name not in NOT_CUSTOMER_MAIL and "{% customer_mail_footer" not in path.read_text()
    ]
    assert missing == []
