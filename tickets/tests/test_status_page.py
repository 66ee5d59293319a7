"""The signed status page: one ticket, its conversation without notes, replies and files by token only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.forms.public import new_submission_token
from tickets.inbound import InboundAttachment
from tickets.links import status_token, status_url, ticket_for_token
from tickets.models import Attachment, Channel, Direction, Status, Ticket, TicketEvent
from tickets.tests.conftest import new_customer_client
from tickets.tests.uploads import fixture_bytes, upload

pytestmark = pytest.mark.django_db


def page_of(ticket: Ticket) -> str:
    return status_url(ticket, absolute=False)


def ticket_at(location: str) -> Ticket | None:
    """The ticket a status-page location opens (its signed token carries the second it was made, so two
    links to one ticket made a second apart differ as strings)."""
    assert location.startswith("/status/"), location
    return ticket_for_token(location.removeprefix("/status/").rstrip("/"))


def reply_data(text: str = "Barangnya sudah saya foto, ini buktinya.", **extra):
    return {"text": text, "submission": new_submission_token(), **extra}


def shows(page: str, reference: str) -> bool:
    return re.search(rf"{re.escape(reference)}(?!\d)", page) is not None


def test_it_shows_the_ticket_and_the_conversation_in_customer_words(customer, personas):
    ticket = customer_ticket("Pesanan saya belum sampai sejak Senin")
    actions.reply(ticket, by=personas.agent, text="Kami cek ke kurir dulu ya.", status=Status.PENDING)
    response = customer.get(page_of(ticket))
    page = response.content.decode()
    assert response.status_code == 200
    assert shows(page, ticket.reference)
    assert "Pesanan belum sampai" in page  # subject
    assert "Pesanan saya belum sampai sejak Senin" in page
    assert "Kami cek ke kurir dulu ya." in page
    assert "Alice · Support team" in page
    assert 'id="ticket-status">Waiting for your reply<' in page


def test_internal_notes_are_never_shown_nor_their_files(customer, personas):
    ticket = customer_ticket()
    actions.add_note(
        ticket,
        by=personas.agent,
        text="Pelanggan ini pernah chargeback, hati-hati.",
        attachments=[InboundAttachment("catatan-internal.pdf", fixture_bytes("tiny.pdf"))],
    )
    page = customer.get(page_of(ticket)).content.decode()
    assert "chargeback" not in page
    assert "catatan-internal.pdf" not in page
    note_file = Attachment.objects.get(message__direction=Direction.NOTE)
    response = customer.get(f"{page_of(ticket)}files/{note_file.pk}/")
    assert response.status_code == 404


def test_status_pages_send_no_referrer_and_are_never_cached(customer):
    ticket = customer_ticket()
    response = customer.get(page_of(ticket))
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert '<meta name="referrer" content="no-referrer">' in response.content.decode()


def other_ticket_in(token: str) -> str:
    """The token with its payload swapped for the next ticket's id, the signature left as it was."""
    payload, rest = token.split(":", 1)
    pk = int(signing.b64_decode(payload.encode()))
    return signing.b64_encode(str(pk + 1).encode()).decode() + ":" + rest


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # altered signature
        lambda token: other_ticket_in(token),
        lambda token: token.split(":")[0],  # signature cut off, as a mail app might
        lambda token: "not-a-token",
    ],
    ids=["altered-signature", "other-ticket-id", "truncated", "garbage"],
)
def test_a_forged_or_altered_link_is_a_friendly_404(customer, mangle):
    ticket = customer_ticket()
    customer_ticket("Tiket orang lain", sender="sari@example.test")
    response = customer.get(f"/status/{mangle(status_token(ticket))}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "This link does not work" in page
    assert "Open the newest email from us" in page
    assert "Tiket orang lain" not in page


def test_a_token_signed_for_something_else_does_not_open_a_ticket(customer):
    ticket = customer_ticket()
    other_purpose = signing.dumps(ticket.pk, compress=False)  # same key, no status-link salt
    assert customer.get(f"/status/{other_purpose}/").status_code == 404


def test_an_expired_link_is_a_friendly_404(customer):
    ticket = customer_ticket()
    url = page_of(ticket)
    with override_settings(STATUS_LINK_MAX_AGE_DAYS=30), time_machine.travel(dt.timedelta(days=31)):
        response = customer.get(url)
    assert response.status_code == 404
    assert "it may be too old" in response.content.decode()


@override_settings(STATUS_LINK_MAX_AGE_DAYS=30)
def test_the_link_in_an_old_email_keeps_working_while_the_ticket_is_active(customer, personas):
    # The acknowledgement's link is 50 days old, but the agent answered 10 days ago: still good.
    with time_machine.travel(timezone.now() - dt.timedelta(days=50)):
        ticket = customer_ticket("Refund belum masuk")
        url = page_of(ticket)
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        actions.reply(ticket, by=personas.agent, text="Refund sedang diproses bank.")
    response = customer.get(url)
    assert response.status_code == 200
    assert "Refund sedang diproses bank." in response.content.decode()


@override_settings(STATUS_LINK_MAX_AGE_DAYS=30)
def test_a_link_expires_once_neither_it_nor_the_ticket_moved_for_the_max_age(customer):
    with time_machine.travel(timezone.now() - dt.timedelta(days=31)):
        ticket = customer_ticket()
        url = page_of(ticket)
    assert customer.get(url).status_code == 404
    actions.receive_message(inbound("Halo?", references=(ticket.messages.first().external_id,)))
    assert customer.get(url).status_code == 200  # the customer wrote again: the ticket is active


def test_the_link_of_one_ticket_never_shows_another_tickets_messages(customer):
    mine = customer_ticket("Paket saya hilang")
    theirs = customer_ticket("Rahasia: alamat saya Jl. Melati 5", sender="sari@example.test", name="Sari")
    also_mine = customer_ticket(
        "Pertanyaan lain", subject="Pertanyaan lain", external_id="<other@example.test>"
    )
    page = customer.get(page_of(mine)).content.decode()
    assert "Paket saya hilang" in page
    assert "Jl. Melati" not in page and "Sari" not in page
    assert not shows(page, theirs.reference)
    assert "Pertanyaan lain" not in page
    assert also_mine.pk != mine.pk


def test_a_reply_is_added_to_the_ticket_with_its_files(customer, mailoutbox):
    ticket = customer_ticket()
    response = customer.post(
        page_of(ticket), reply_data(attachments=[upload("tiny.jpg", as_name="foto-paket.jpg")])
    )
    assert response.status_code == 302 and ticket_at(response["Location"]) == ticket
    message = ticket.messages.order_by("-pk").first()
    assert message.direction == Direction.INBOUND
    assert message.channel == Channel.WEB
    assert message.author_contact_id == ticket.contact_id
    assert message.text == "Barangnya sudah saya foto, ini buktinya."
    stored = message.attachments.get()
    assert (stored.filename, stored.content_type) == ("foto-paket.jpg", "image/jpeg")
    assert Ticket.objects.count() == 1
    page = customer.get(page_of(ticket)).content.decode()
    assert "Thank you, we added your message." in page
    assert "foto-paket.jpg" in page
    assert mailoutbox == []  # no new acknowledgement for a reply


def test_a_reply_from_the_no_referrer_page_passes_although_the_browser_sends_origin_null():
    ticket = customer_ticket()
    browser = new_customer_client()
    browser.handler.enforce_csrf_checks = True
    browser.get(page_of(ticket))
    response = browser.post(page_of(ticket), reply_data("Dari Chrome"), HTTP_ORIGIN="null", secure=True)
    assert response.status_code == 302
    assert ticket.messages.filter(text="Dari Chrome").exists()


def test_a_reply_reopens_a_resolved_ticket(customer, personas):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.RESOLVED, by=personas.agent)
    page = customer.get(page_of(ticket)).content.decode()
    assert "Your reply reopens this request." in page
    customer.post(page_of(ticket), reply_data("Masih belum sampai."))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.reopen_count == 1
    assert ticket.events.filter(kind=TicketEvent.Kind.REOPENED).exists()


def test_a_reply_to_a_closed_ticket_opens_a_new_linked_ticket(
    customer, personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    assert "we open a new request linked to this one" in customer.get(page_of(ticket)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = customer.post(page_of(ticket), reply_data("Paketnya datang tapi isinya salah."))
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow_up.previous_ticket_id == ticket.pk
    assert follow_up.contact_id == ticket.contact_id
    assert follow_up.channel == Channel.WEB
    assert ticket_at(response["Location"]) == follow_up
    assert [m.to for m in mailoutbox] == [["budi@example.test"]]
    assert follow_up.reference in mailoutbox[0].subject
    assert (
        f"we opened a new one: {follow_up.reference}" in customer.get(response["Location"]).content.decode()
    )
    # The closed ticket's page now points to the request that continues it.
    assert "This request continues in" in customer.get(page_of(ticket)).content.decode()


def test_a_reply_follows_the_same_file_rules_and_keeps_the_text(customer):
    ticket = customer_ticket()
    evil = upload("windows-program.exe", as_name="invoice.pdf")
    response = customer.post(page_of(ticket), reply_data("Ini invoicenya.", attachments=[evil]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "“invoice.pdf” is not a JPG, PNG or PDF file" in page
    assert "Ini invoicenya.</textarea>" in page
    assert "Please choose your files again" in page
    assert ticket.messages.count() == 1


def test_an_empty_reply_is_refused(customer):
    ticket = customer_ticket()
    response = customer.post(page_of(ticket), reply_data("   "))
    assert "Please write a message or attach a file." in response.content.decode()
    assert ticket.messages.count() == 1


def test_sending_the_same_reply_twice_adds_it_once(customer):
    ticket = customer_ticket()
    data = reply_data()
    assert customer.post(page_of(ticket), data).status_code == 302
    assert customer.post(page_of(ticket), data).status_code == 302
    assert ticket.messages.count() == 2


@override_settings(CONTACT_FORM_RATE="1/h", RATELIMIT_ENABLE=True)
def test_too_many_replies_get_429_with_the_text_kept(customer):
    ticket = customer_ticket()
    assert customer.post(page_of(ticket), reply_data("Satu")).status_code == 302
    response = customer.post(page_of(ticket), reply_data("Dua, jangan hilang"))
    assert response.status_code == 429
    assert "Too many messages from your connection." in response.content.decode()
    assert "Dua, jangan hilang</textarea>" in response.content.decode()
    assert ticket.messages.count() == 2


def test_files_download_only_through_their_tickets_token(customer):
    ticket = customer_ticket(attachments=(InboundAttachment("bukti.png", fixture_bytes("tiny.png")),))
    other = customer_ticket(
        "Tiket lain",
        sender="sari@example.test",
        attachments=(InboundAttachment("ktp-sari.png", fixture_bytes("tiny.png") + b"sari"),),
    )
    mine = Attachment.objects.get(message__ticket=ticket)
    theirs = Attachment.objects.get(message__ticket=other)

    response = customer.get(f"{page_of(ticket)}files/{mine.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == fixture_bytes("tiny.png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith('attachment; filename="bukti.png"')
    assert response["Referrer-Policy"] == "no-referrer"

    assert customer.get(f"{page_of(ticket)}files/{theirs.pk}/").status_code == 404
    assert customer.get(f"/status/forged-token/files/{mine.pk}/").status_code == 404
    assert customer.get(f"/media/{mine.file.name}").status_code == 404
    assert f"files/{mine.pk}/" in customer.get(page_of(ticket)).content.decode()


def test_a_merged_ticket_link_shows_the_ticket_it_was_merged_into(customer, personas):
    email = customer_ticket("Lewat email", external_id="<a@example.test>")
    form = customer_ticket("Lewat formulir", channel=Channel.WEB, external_id="web-1")
    actions.merge(email, into=form, by=personas.agent)
    page = customer.get(page_of(email)).content.decode()
    assert f"Your request {email.reference} was combined with {form.reference}" in page
    assert "Lewat email" in page and "Lewat formulir" in page
    customer.post(page_of(email), reply_data("Balasan setelah digabung"))
    assert form.messages.filter(text="Balasan setelah digabung").exists()


def test_the_page_is_indonesian_unless_the_customer_switched_language(db):
    ticket = customer_ticket()
    browser = new_customer_client(language="")
    page = page_of(ticket)  # one token: a link signed a second later differs
    assert '<html lang="id">' in browser.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    switched = browser.get(f"{page}?language=en", follow=True)
    assert switched.redirect_chain == [(page, 302)]
    assert '<html lang="en">' in switched.content.decode()
    assert shows(switched.content.decode(), ticket.reference)


def test_the_page_needs_the_same_number_of_queries_however_long_the_conversation(customer, personas):
    ticket = customer_ticket(attachments=(InboundAttachment("a.png", fixture_bytes("tiny.png")),))
    actions.reply(ticket, by=personas.agent, text="Balasan pertama")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert customer.get(page_of(ticket)).status_code == 200
        return len(captured)

    short = count_queries()
    for number in range(5):
        actions.reply(ticket, by=personas.agent, text=f"Balasan {number}")
        customer_ticket(
            f"Pesan {number}",
            references=(ticket.messages.first().external_id,),
            attachments=(InboundAttachment(f"{number}.pdf", fixture_bytes("tiny.pdf") + bytes([number])),),
        )
    assert ticket.messages.count() == 12
    assert count_queries() == short
