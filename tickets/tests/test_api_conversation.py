"""A ticket's conversation through the API: messages with attachments, replies, notes, merges, timeline."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import customer_ticket, inbound
from tickets import actions
from tickets.inbound import InboundAttachment
from tickets.models import Channel, DeliveryStatus, Direction, Message, Status, TicketEvent
from tickets.tests.clients import english_client

pytestmark = pytest.mark.django_db


def test_messages_list_the_conversation_with_attachment_downloads(api, receipt_png):
    ticket = customer_ticket(
        "Ini bukti transfernya",
        attachments=(InboundAttachment(filename="bukti transfer.png", content=receipt_png),),
    )
    response = api.get(f"/api/tickets/{ticket.pk}/messages/")
    assert response.status_code == 200
    (message,) = response.json()["results"]
    assert message["direction"] == Direction.INBOUND
    assert message["author_name"] == "Budi Santoso"
    assert message["text"] == "Ini bukti transfernya"
    (attachment,) = message["attachments"]
    assert attachment["filename"] == "bukti transfer.png"
    assert attachment["content_type"] == "image/png"
    assert attachment["size"] == len(receipt_png)

    download = api.get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == receipt_png
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="bukti transfer.png"' in download["Content-Disposition"]


def test_a_non_agent_cannot_download_an_attachment(personas, receipt_png):
    ticket = customer_ticket(attachments=(InboundAttachment(filename="a.png", content=receipt_png),))
    attachment = ticket.messages.get().attachments.get()
    client = english_client()
    client.force_login(personas.outsider)
    assert client.get(f"/api/attachments/{attachment.pk}/download/").status_code == 403


def test_the_conversation_costs_the_same_number_of_queries_however_long(api, personas, receipt_png):
    ticket = customer_ticket()
    counts = []
    for round_ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/tickets/{ticket.pk}/messages/").status_code == 200
        counts.append(len(queries))
        for n in range(5):
            files = (
                InboundAttachment(filename=f"{round_}-{n}.png", content=receipt_png + bytes([round_, n])),
            )
            actions.reply(ticket, by=personas.agent, text=f"balasan {n}", attachments=files)
            actions.receive_message(inbound(f"pesan {round_}-{n}", ticket_id=ticket.pk))
    assert ticket.messages.count() == 21
    assert counts[0] == counts[1]


def test_a_reply_is_queued_and_sent_by_email_after_commit(
    api, personas, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = customer_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/tickets/{ticket.pk}/messages/", {"text": "Baik Kak, kami cek ke kurir."}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == Direction.OUTBOUND
    assert body["delivery_status"] == DeliveryStatus.QUEUED  # as it was when the request answered
    assert body["author_user"]["username"] == "alice"
    assert Message.objects.get(pk=body["id"]).delivery_status == DeliveryStatus.SENT
    (mail,) = mailoutbox
    assert mail.to == ["budi@example.test"]
    assert "Baik Kak, kami cek ke kurir." in mail.body
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.first_response_at is not None
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.REPLY, actor=personas.agent
    ).exists()


def test_a_reply_with_a_file_and_a_status_sends_the_file_and_moves_the_ticket(
    api, receipt_png, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = customer_ticket()
    upload = SimpleUploadedFile("resi.png", receipt_png, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/tickets/{ticket.pk}/messages/",
            {"text": "Ini resinya.", "status": "pending", "attachments": [upload]},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    assert [a["filename"] for a in response.json()["attachments"]] == ["resi.png"]
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert [name for name, _content, _type in mailoutbox[0].attachments] == ["resi.png"]


def test_replying_to_a_closed_ticket_is_refused_with_the_reason(api, personas, mailoutbox):
    ticket = customer_ticket()
    actions.change_status(ticket, status=Status.CLOSED, by=personas.agent)
    response = api.post(f"/api/tickets/{ticket.pk}/messages/", {"text": "halo"}, format="json")
    assert response.status_code == 400
    assert "closed" in response.json()["detail"]
    assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()


def test_an_empty_reply_is_refused(api):
    ticket = customer_ticket()
    response = api.post(f"/api/tickets/{ticket.pk}/messages/", {"text": "   "}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "A reply needs some text or an attachment."}


def test_a_note_is_internal_and_sends_nothing(api, personas, mailoutbox, django_capture_on_commit_callbacks):
    ticket = customer_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/tickets/{ticket.pk}/notes/", {"text": "Cek ke tim finance dulu."}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["direction"] == Direction.NOTE
    assert mailoutbox == []
    assert TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.NOTE, actor=personas.agent
    ).exists()


def test_notes_are_post_only(api):
    ticket = customer_ticket()
    assert api.get(f"/api/tickets/{ticket.pk}/notes/").status_code == 405


def test_merging_moves_the_conversation_and_closes_the_source(api, personas):
    email_ticket = customer_ticket("Pesanan ORD-2026-7781 belum sampai")
    chat_ticket = actions.receive_message(
        inbound(
            "halo kak", channel=Channel.WHATSAPP, kind="phone", sender="081234567890", external_id="wamid.m1"
        )
    ).ticket
    response = api.post(f"/api/tickets/{chat_ticket.pk}/merge/", {"into": email_ticket.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == email_ticket.pk
    assert len(response.json()["participants"]) == 1  # the WhatsApp contact joined
    chat_ticket.refresh_from_db()
    assert (chat_ticket.status, chat_ticket.merged_into_id) == (Status.CLOSED, email_ticket.pk)
    assert email_ticket.messages.count() == 2
    assert TicketEvent.objects.filter(
        ticket=email_ticket, kind=TicketEvent.Kind.MERGED, actor=personas.agent
    ).exists()


def test_merging_into_itself_or_an_unknown_ticket_is_refused(api):
    ticket = customer_ticket()
    itself = api.post(f"/api/tickets/{ticket.pk}/merge/", {"into": ticket.pk}, format="json")
    assert itself.status_code == 400
    assert itself.json() == {"detail": "A ticket cannot be merged into itself."}
    unknown = api.post(f"/api/tickets/{ticket.pk}/merge/", {"into": 999999}, format="json")
    assert unknown.status_code == 400
    assert "into" in unknown.json()


def test_the_timeline_lists_every_event_with_its_actor(api, personas):
    ticket = customer_ticket()
    actions.assign(ticket, agent=personas.agent, by=personas.supervisor)
    actions.change_status(ticket, status=Status.PENDING, by=personas.agent)
    response = api.get(f"/api/tickets/{ticket.pk}/events/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["kind"] for row in rows] == ["created", "message", "assigned", "status"]
    assert rows[2]["actor"]["username"] == "sari"
    assert (rows[2]["before"], rows[2]["after"]) == (None, "alice")
    assert (rows[3]["before"], rows[3]["after"]) == ("new", "pending")
    assert rows[1]["message"] == ticket.messages.get().pk
