"""Which ticket a reply lands on: our signed Message-IDs, stored Message-IDs, the subject tag."""

from __future__ import annotations

import pytest

from channels_intake.email.message_ids import make_message_id, ticket_from_message_id
from tests.factories import customer_ticket
from tickets import actions
from tickets.models import Direction, Status, Ticket

pytestmark = pytest.mark.django_db
CUSTOMER = "Budi Santoso <budi@example.test>"


def _agent_reply(ticket, personas, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.reply(ticket, by=personas.agent, text="Baik, kami cek dulu ya.")
    message.refresh_from_db()
    return message.external_id


def test_our_message_ids_are_signed_and_a_changed_one_is_not_trusted():
    value = make_message_id(42, "m7")
    assert ticket_from_message_id(value) == 42
    assert ticket_from_message_id(value.replace("sd.42.", "sd.43.")) is None
    assert ticket_from_message_id(value.replace(".m7.", ".m8.")) is None
    assert ticket_from_message_id("<sd.42.m7.00000000000000000000@supportdesk.localhost>") is None
    assert ticket_from_message_id("<CAJx8Zq1@mail.gmail.example>") is None


def test_a_reply_to_our_signed_message_id_lands_on_the_ticket(
    personas, ingest, django_capture_on_commit_callbacks
):
    ticket = customer_ticket(sender="budi@example.test")
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    assert ticket_from_message_id(ours) == ticket.pk
    event = ingest(
        "reply_to_our_signed_id.eml", CUSTOMER=CUSTOMER, OUR_MESSAGE_ID=ours, TICKET=str(ticket.pk)
    )
    assert event.ticket_ids == [ticket.pk]
    latest = ticket.messages.filter(direction=Direction.INBOUND).latest("created_at")
    assert latest.text == "Sudah saya cek, paketnya masih di gudang kurir."


def test_a_reply_from_another_address_to_our_message_id_still_threads(
    personas, ingest, django_capture_on_commit_callbacks
):
    """A colleague the customer forwarded our answer to replies: the signature is what is trusted."""
    ticket = customer_ticket(sender="budi@example.test")
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    event = ingest(
        "reply_to_our_signed_id.eml", CUSTOMER="Rekan <rekan@example.test>", OUR_MESSAGE_ID=ours, TICKET="0"
    )
    assert event.ticket_ids == [ticket.pk]


def test_a_forged_message_id_of_ours_opens_a_new_ticket(ingest):
    victim = customer_ticket(sender="budi@example.test")
    forged = f"<sd.{victim.pk}.m1.0123456789abcdef0123@supportdesk.localhost>"
    event = ingest("forged_signed_id.eml", FORGED_MESSAGE_ID=forged)
    assert event.ticket_ids != [victim.pk]
    assert Ticket.objects.get(pk=event.ticket_ids[0]).contact.email == "penipu@evil.example"
    assert victim.messages.count() == 1


def test_a_reply_quoting_a_stored_customer_message_id_joins_that_ticket(ingest):
    first = ingest("gmail_plain_id.eml")
    follow_up = ingest("reply_references_stored_customer_id.eml")
    assert follow_up.ticket_ids == first.ticket_ids
    assert Ticket.objects.count() == 1


def test_the_subject_tag_threads_only_for_the_ticket_s_own_customer(ingest):
    ticket = customer_ticket(sender="budi@example.test")
    own = ingest("subject_tag_from_customer.eml", CUSTOMER=CUSTOMER, TICKET=str(ticket.pk))
    stranger = ingest("subject_tag_from_stranger.eml", TICKET=str(ticket.pk))
    assert own.ticket_ids == [ticket.pk]
    assert stranger.ticket_ids != [ticket.pk]
    assert ticket.messages.count() == 2


def test_the_subject_tag_threads_for_a_participant_in_cc(ingest):
    ticket = Ticket.objects.get(pk=ingest("cc_participants.eml").ticket_ids[0])
    event = ingest(
        "subject_tag_from_customer.eml", CUSTOMER="Bendahara <bendahara@ukm.example>", TICKET=str(ticket.pk)
    )
    assert event.ticket_ids == [ticket.pk]


def test_a_reply_to_a_closed_ticket_opens_a_new_ticket_linked_to_it(
    personas, ingest, django_capture_on_commit_callbacks
):
    ticket = customer_ticket(sender="budi@example.test")
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    event = ingest(
        "reply_to_our_signed_id.eml", CUSTOMER=CUSTOMER, OUR_MESSAGE_ID=ours, TICKET=str(ticket.pk)
    )
    new = Ticket.objects.get(pk=event.ticket_ids[0])
    assert new.pk != ticket.pk and new.previous_ticket_id == ticket.pk


def test_a_reply_reopens_a_resolved_ticket(personas, ingest, django_capture_on_commit_callbacks):
    ticket = customer_ticket(sender="budi@example.test")
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    ingest("reply_to_our_signed_id.eml", CUSTOMER=CUSTOMER, OUR_MESSAGE_ID=ours, TICKET=str(ticket.pk))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.reopen_count == 1


def test_a_web_form_ticket_answered_by_email_takes_the_email_reply(
    personas, ingest, django_capture_on_commit_callbacks
):
    ticket = customer_ticket(channel="web", sender="budi@example.test", external_id=None)
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    event = ingest(
        "reply_to_our_signed_id.eml", CUSTOMER=CUSTOMER, OUR_MESSAGE_ID=ours, TICKET=str(ticket.pk)
    )
    assert event.ticket_ids == [ticket.pk]


def _closed_thread(personas, django_capture_on_commit_callbacks, *, participant: str = ""):
    ticket = customer_ticket(sender="budi@example.test")
    if participant:
        ticket.participants.add(customer_ticket(sender=participant).contact)
    ours = _agent_reply(ticket, personas, django_capture_on_commit_callbacks)
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    return ticket, ours


def _reply(ingest, ticket, *, message_id, in_reply_to, references, customer=CUSTOMER):
    return ingest(
        "reply_in_closed_thread.eml",
        CUSTOMER=customer,
        TICKET=str(ticket.pk),
        MESSAGE_ID=message_id,
        IN_REPLY_TO=in_reply_to,
        REFERENCES=references,
    )


def test_later_replies_in_a_closed_thread_join_the_ticket_the_first_reply_opened(
    personas, ingest, django_capture_on_commit_callbacks
):
    closed, ours = _closed_thread(personas, django_capture_on_commit_callbacks)
    first = _reply(ingest, closed, message_id="<reply-a@gmail.example>", in_reply_to=ours, references=ours)
    successor = Ticket.objects.get(pk=first.ticket_ids[0])
    assert successor.pk != closed.pk and successor.previous_ticket_id == closed.pk
    second = _reply(
        ingest,
        closed,
        message_id="<reply-b@gmail.example>",
        in_reply_to="<reply-a@gmail.example>",
        references=f"{ours} <reply-a@gmail.example>",
    )
    third = _reply(ingest, closed, message_id="<reply-c@gmail.example>", in_reply_to=ours, references=ours)
    assert second.ticket_ids == [successor.pk]
    assert third.ticket_ids == [successor.pk]
    assert Ticket.objects.count() == 2
    assert successor.messages.filter(direction=Direction.INBOUND).count() == 3


def test_two_participants_answering_the_same_old_mail_land_in_one_successor_ticket(
    personas, ingest, django_capture_on_commit_callbacks
):
    closed, ours = _closed_thread(
        personas, django_capture_on_commit_callbacks, participant="ani@example.test"
    )
    budi = _reply(ingest, closed, message_id="<budi-late@gmail.example>", in_reply_to=ours, references=ours)
    ani = _reply(
        ingest,
        closed,
        message_id="<ani-late@gmail.example>",
        in_reply_to=ours,
        references=ours,
        customer="Ani <ani@example.test>",
    )
    successor = Ticket.objects.get(pk=budi.ticket_ids[0])
    assert ani.ticket_ids == [successor.pk]
    assert {c.email for c in successor.participants.all()} == {"ani@example.test"}


def test_a_stranger_answering_an_old_mail_does_not_join_its_successor(
    personas, ingest, django_capture_on_commit_callbacks
):
    closed, ours = _closed_thread(personas, django_capture_on_commit_callbacks)
    budi = _reply(ingest, closed, message_id="<budi-late@gmail.example>", in_reply_to=ours, references=ours)
    stranger = _reply(
        ingest,
        closed,
        message_id="<stranger@evil.example>",
        in_reply_to=ours,
        references=ours,
        customer="Orang Lain <lain@evil.example>",
    )
    assert stranger.ticket_ids != budi.ticket_ids
    assert Ticket.objects.get(pk=stranger.ticket_ids[0]).previous_ticket_id == closed.pk


def test_the_most_specific_reference_wins_over_an_older_one(ingest):
    """In-Reply-To names the message on ticket A; References also name one stored later on ticket B
    (a split-off question): the message answered is the hint, not whichever was stored last."""
    answered = customer_ticket(sender="budi@example.test", external_id="<answered@gmail.example>")
    later = customer_ticket(sender="budi@example.test", external_id="<later@gmail.example>", subject="Lain")
    event = _reply(
        ingest,
        answered,
        message_id="<most-specific@gmail.example>",
        in_reply_to="<answered@gmail.example>",
        references="<later@gmail.example> <answered@gmail.example>",
    )
    assert event.ticket_ids == [answered.pk]
    assert later.messages.count() == 1


def test_when_the_follow_up_is_closed_too_the_next_reply_links_to_the_newest_closed_one(
    personas, ingest, django_capture_on_commit_callbacks
):
    closed, ours = _closed_thread(personas, django_capture_on_commit_callbacks)
    first = _reply(ingest, closed, message_id="<late-1@gmail.example>", in_reply_to=ours, references=ours)
    follow_up = Ticket.objects.get(pk=first.ticket_ids[0])
    actions.change_status(follow_up, status=Status.CLOSED, by=personas.agent)
    again = _reply(ingest, closed, message_id="<late-2@gmail.example>", in_reply_to=ours, references=ours)
    newest = Ticket.objects.get(pk=again.ticket_ids[0])
    assert newest.pk not in (closed.pk, follow_up.pk)
    assert newest.previous_ticket_id == follow_up.pk  # the conversation's latest ticket, not the first
