"""The raw endpoint, the ingest_email command, quarantine, reprocessing and the size limits."""

from __future__ import annotations

import io
import mailbox
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from channels_intake.admin import InboundEventAdmin
from channels_intake.email.tests.conftest import FIXTURES, load
from channels_intake.models import InboundEvent
from channels_intake.processing import sweep_pending_events
from tickets.models import Direction, Message, Ticket

pytestmark = pytest.mark.django_db
TOKEN = "test-intake-token-0123456789abcdef"


def post_raw(client, raw: bytes, token: str | None = TOKEN, content_type: str = "message/rfc822"):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post("/intake/email/raw/", data=raw, content_type=content_type, **extra)


def test_the_raw_endpoint_stores_and_processes_a_message(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(client, load("gmail_plain_id.eml"))
    assert response.status_code == 202
    event = InboundEvent.objects.get(pk=response.json()["event"])
    assert event.source == "raw" and event.state == InboundEvent.State.PROCESSED
    assert Ticket.objects.get(pk=event.ticket_ids[0]).contact.email == "budi.santoso@gmail.example"


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_the_raw_endpoint_refuses_a_missing_or_wrong_token_and_stores_nothing(client, token):
    response = post_raw(client, load("gmail_plain_id.eml"), token=token)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not InboundEvent.objects.exists()


def test_the_raw_endpoint_is_off_without_a_configured_token(client, settings):
    settings.EMAIL_INTAKE_TOKEN = ""
    assert post_raw(client, load("gmail_plain_id.eml"), token="").status_code == 401
    assert not InboundEvent.objects.exists()


def test_the_raw_endpoint_wants_message_rfc822(client):
    response = post_raw(client, b'{"not": "mime"}', content_type="application/json")
    assert response.status_code == 415
    assert not InboundEvent.objects.exists()


def test_an_unreadable_message_is_accepted_then_quarantined(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(client, b"\x00\x01\x02 binary garbage \xff\xfe")
    assert response.status_code == 202  # the sender must not retry it
    event = InboundEvent.objects.get()
    assert event.state == InboundEvent.State.QUARANTINED and event.error


def _good(number: int) -> bytes:
    return (
        f"From: Pelanggan {number} <pelanggan{number}@mail.example>\nTo: cs@tokoku.example\n"
        f"Subject: Pertanyaan nomor {number}\nMessage-ID: <batch-{number}@mail.example>\n"
        f"Date: Mon, 1 Apr 2024 10:00:00 +0700\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Halo, ini pertanyaan nomor {number}.\n"
    ).encode()


def test_one_bad_message_among_a_hundred_good_ones(ingest):
    messages = [_good(number) for number in range(100)]
    messages.insert(37, load("no_sender_at_all.eml"))
    events = [ingest(raw) for raw in messages]
    assert Ticket.objects.count() == 100
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == sorted(
        f"Pertanyaan nomor {n}" for n in range(100)
    )
    quarantined = InboundEvent.objects.filter(state=InboundEvent.State.QUARANTINED)
    assert list(quarantined) == [events[37]]
    assert InboundEvent.objects.filter(state=InboundEvent.State.PROCESSED).count() == 100


def test_a_quarantined_event_can_be_processed_again_from_the_admin(
    ingest, personas, django_capture_on_commit_callbacks
):
    event = ingest(b"From: budi@example.test\nSubject: x\n\nhalo\n")
    # Simulate an event quarantined by a bug that has since been fixed.
    InboundEvent.objects.filter(pk=event.pk).update(state=InboundEvent.State.QUARANTINED, attempts=5)
    Message.objects.all().delete()
    request = RequestFactory().post("/admin/")
    request.user = personas.admin
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    with django_capture_on_commit_callbacks(execute=True):
        InboundEventAdmin(InboundEvent, site).reprocess_events(
            request, InboundEvent.objects.filter(pk=event.pk)
        )
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED and event.attempts == 1
    assert Message.objects.count() == 1


def test_pending_events_left_by_a_lost_broker_message_are_processed_by_the_sweep(
    db, django_capture_on_commit_callbacks
):
    stale = InboundEvent.objects.create(channel="email", source="raw", body=_good(1))
    fresh = InboundEvent.objects.create(channel="email", source="raw", body=_good(2))
    InboundEvent.objects.filter(pk=stale.pk).update(received_at=stale.received_at.replace(year=2020))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_pending_events() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.state == InboundEvent.State.PROCESSED
    assert fresh.state == InboundEvent.State.PENDING


def _big_message(attachment_bytes: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Fotografer <foto@mail.example>"
    message["To"] = "cs@tokoku.example"
    message["Subject"] = "Foto produk resolusi penuh"
    message["Message-ID"] = "<big-20mb@mail.example>"
    message.set_content("Terlampir foto produk dan invoice.")
    message.add_attachment(
        os.urandom(attachment_bytes), maintype="application", subtype="zip", filename="foto.zip"
    )
    message.add_attachment(
        load("attachment_pdf.eml")[:2000], maintype="application", subtype="pdf", filename="inv.pdf"
    )
    return message.as_bytes()


def test_a_20_mb_message_keeps_its_text_and_small_parts_and_notes_what_was_dropped(ingest, settings):
    settings.EMAIL_MAX_PART_BYTES = 10 * 1024 * 1024
    event = ingest("big_20mb_scanned_receipt.eml.gz")  # 21 MB on the wire, stored gzip-compressed
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    message = ticket.messages.get(direction=Direction.INBOUND)
    assert message.text.startswith("Selamat sore,\n\nTerlampir hasil scan bukti transfer")
    assert [a.filename for a in message.attachments.all()] == ["invoice-3655501234.pdf"]
    note = ticket.messages.get(direction=Direction.NOTE)
    assert "scan-bukti-transfer.bmp" in note.text and "14.9 MB" in note.text and "10 MB" in note.text
    assert message.metadata["dropped"] == [
        {"name": "scan-bukti-transfer.bmp", "size": 15_624_054, "reason": "part_too_large"}
    ]


def test_a_message_over_the_raw_limit_becomes_a_ticket_from_its_headers_with_a_note(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_RAW_BYTES = 1024 * 1024
    with django_capture_on_commit_callbacks(execute=True):
        response = post_raw(client, _big_message(2 * 1024 * 1024))
    assert response.status_code == 202
    event = InboundEvent.objects.get()
    assert len(bytes(event.body)) < 10_000
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    assert ticket.subject == "Foto produk resolusi penuh" and ticket.contact.email == "foto@mail.example"
    assert "only its headers were kept" in ticket.messages.get(direction=Direction.NOTE).text


def test_ingest_email_prints_the_ticket_number_per_file(db, capsys):
    call_command("ingest_email", str(FIXTURES / "gmail_plain_id.eml"), str(FIXTURES / "html_only.eml"))
    lines = capsys.readouterr().out.strip().splitlines()
    references = [ticket.reference for ticket in Ticket.objects.order_by("pk")]
    assert lines == [
        f"{FIXTURES / 'gmail_plain_id.eml'}: {references[0]}",
        f"{FIXTURES / 'html_only.eml'}: {references[1]}",
    ]


def test_ingest_email_reads_standard_input(db, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(load("iso_2022_jp.eml"))))
    call_command("ingest_email")
    ticket = Ticket.objects.get()
    assert capsys.readouterr().out.strip() == f"stdin: {ticket.reference}"
    assert ticket.subject == "商品が届きません"


def test_ingest_email_imports_a_maildir_and_accepts_a_quarantined_message(db, tmp_path, capsys):
    """A quarantined message is accepted (exit 0): it is kept for the admin, and a mail server that got
    an error would only bounce it or try again forever."""
    folder = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for name in ("gmail_plain_id.eml", "yahoo_reply.eml", "no_sender_at_all.eml"):
        folder.add(load(name))
    call_command("ingest_email", str(tmp_path / "Maildir"))
    output = capsys.readouterr().out
    assert output.count("#SD-") == 2
    quarantined = [line for line in output.splitlines() if "quarantined" in line]
    assert len(quarantined) == 1 and quarantined[0].split(": ", 1)[1].startswith("quarantined: ")
    assert "no valid sender" in quarantined[0]
    assert Ticket.objects.count() == 2
    assert InboundEvent.objects.filter(state=InboundEvent.State.QUARANTINED).count() == 1


def test_a_message_failing_in_a_maildir_batch_rolls_back_alone_and_stays_pending(
    db, tmp_path, capsys, monkeypatch, django_capture_on_commit_callbacks
):
    """A maildir is processed in one transaction (a savepoint per message): a failure undoes only its
    own message, whose event keeps the error for the inbound sweep."""
    from channels_intake.email import intake

    real = intake._process_mail
    calls = []

    def second_one_fails(event, parsed):
        calls.append(event.pk)
        outcome = real(event, parsed)  # its ticket is written, then rolled back with its savepoint
        if len(calls) == 2:
            raise RuntimeError("disk full while storing an attachment")
        return outcome

    monkeypatch.setattr(intake, "_process_mail", second_one_fails)
    folder = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for name in ("gmail_plain_id.eml", "html_only.eml", "iso_2022_jp.eml"):
        folder.add(load(name))
    call_command("ingest_email", str(tmp_path / "Maildir"))
    captured = capsys.readouterr()
    assert captured.out.count("#SD-") == 2
    assert f"stored as inbound event {calls[1]}; processing failed and will be retried" in captured.err
    assert Ticket.objects.count() == 2
    failed = InboundEvent.objects.get(pk=calls[1])
    assert failed.state == InboundEvent.State.PENDING and failed.error.startswith("RuntimeError: disk full")
    assert InboundEvent.objects.filter(state=InboundEvent.State.PROCESSED).count() == 2

    monkeypatch.setattr(intake, "_process_mail", real)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_pending_events(older_than_seconds=0)  # queues its processing task
    failed.refresh_from_db()
    assert failed.state == InboundEvent.State.PROCESSED and Ticket.objects.count() == 3


def test_ingest_email_exits_75_when_the_database_is_unreachable_so_the_mail_server_retries(tmp_path):
    """EX_TEMPFAIL: Postfix keeps the message in its queue and delivers it again later."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "DEBUG": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:9/unreachable?connect_timeout=2",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_email", str(FIXTURES / "gmail_plain_id.eml")],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 75, done.stderr.decode()[-2000:]
    assert b"try again" in done.stderr


def test_ingest_email_refuses_a_path_that_is_not_mail(db, tmp_path):
    with pytest.raises(CommandError, match="neither a message file nor a maildir"):
        call_command("ingest_email", str(tmp_path / "missing"))


def test_a_mailbox_added_in_this_process_is_one_of_our_addresses_at_once(db):
    from channels_intake.email.intake import own_addresses
    from channels_intake.email.models import Mailbox

    assert "toko.cs@gmail.example" not in own_addresses()  # now remembered in this process
    Mailbox.objects.create(name="Gmail", host="127.0.0.1", username="Toko.CS@gmail.example", password="x")
    assert "toko.cs@gmail.example" in own_addresses()
