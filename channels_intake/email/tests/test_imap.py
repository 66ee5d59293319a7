"""Polling an IMAP mailbox: a real IMAP conversation with a fake server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from channels_intake.email.imap import poll_mailbox
from channels_intake.email.models import Mailbox
from channels_intake.email.tests.conftest import load
from channels_intake.email.tests.fake_imap import FakeImapServer, running
from channels_intake.models import InboundEvent
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def _mail(number: int) -> bytes:
    return (
        f"From: Pembeli {number} <pembeli{number}@mail.example>\r\nTo: cs@tokoku.example\r\n"
        f"Subject: Pesanan {number}\r\nMessage-ID: <imap-{number}@mail.example>\r\n\r\nHalo {number}\r\n"
    ).encode()


def _mailbox(server: FakeImapServer, **fields) -> Mailbox:
    return Mailbox.objects.create(
        name="CS Gmail",
        host="127.0.0.1",
        port=server.port,
        security=Mailbox.Security.NONE,
        username="cs@tokoku.example",
        password="app-pass",
        **fields,
    )


@pytest.fixture
def poll(django_capture_on_commit_callbacks):
    def run(mailbox: Mailbox) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            stored = poll_mailbox(mailbox)
        mailbox.refresh_from_db()
        return stored

    return run


def test_new_messages_become_tickets_and_the_watermark_moves(poll):
    with running(FakeImapServer({3: _mail(3), 7: _mail(7), 9: load("gmail_plain_id.eml")})) as server:
        mailbox = _mailbox(server)
        assert poll(mailbox) == 3
    assert mailbox.last_uid == 9 and mailbox.uidvalidity == server.uidvalidity and mailbox.last_error == ""
    assert Ticket.objects.count() == 3
    assert set(InboundEvent.objects.values_list("source", "account")) == {("imap", "CS Gmail")}
    assert any(command.startswith("EXAMINE") for command in server.commands)  # read-only: flags untouched


def test_polling_again_imports_only_what_is_new(poll):
    server = FakeImapServer({1: _mail(1), 2: _mail(2)})
    with running(server):
        mailbox = _mailbox(server)
        poll(mailbox)
        assert poll(mailbox) == 0
        server.messages[5] = _mail(5)
        assert poll(mailbox) == 1
    assert InboundEvent.objects.count() == 3
    assert Message.objects.count() == 3


def test_a_poll_that_dies_mid_batch_neither_skips_nor_duplicates(poll):
    server = FakeImapServer({uid: _mail(uid) for uid in range(1, 9)})
    server.hang_up_after_fetches = 3
    with running(server):
        mailbox = _mailbox(server)
        assert poll(mailbox) == 3
        assert mailbox.last_uid == 3 and mailbox.last_error  # the hang-up is recorded
        server.hang_up_after_fetches = None
        assert poll(mailbox) == 5
    assert mailbox.last_uid == 8 and mailbox.last_error == ""
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(
        f"<imap-{uid}@mail.example>" for uid in range(1, 9)
    )
    assert InboundEvent.objects.count() == 8


def test_a_batch_is_bounded_and_the_rest_comes_next_time(poll, settings):
    settings.EMAIL_IMAP_BATCH_SIZE = 2
    with running(FakeImapServer({uid: _mail(uid) for uid in range(1, 6)})) as server:
        mailbox = _mailbox(server)
        assert [poll(mailbox) for _ in range(4)] == [2, 2, 1, 0]
    assert Ticket.objects.count() == 5


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(poll):
    server = FakeImapServer({1: _mail(1), 2: _mail(2)})
    with running(server):
        mailbox = _mailbox(server)
        poll(mailbox)
        server.uidvalidity += 1
        server.messages = {10: _mail(1), 11: _mail(2), 12: _mail(3)}  # the folder was rebuilt
        assert poll(mailbox) == 3
    assert mailbox.last_uid == 12
    assert Message.objects.count() == 3  # the two re-read messages were recognised by Message-ID


def test_wrong_credentials_are_recorded_on_the_mailbox(poll):
    with running(FakeImapServer({1: _mail(1)})) as server:
        mailbox = _mailbox(server)
        mailbox.password = "wrong"
        mailbox.save(update_fields=["password"])
        assert poll(mailbox) == 0
    assert "Invalid credentials" in mailbox.last_error and mailbox.last_polled_at is not None
    assert not InboundEvent.objects.exists()


def test_an_unreachable_server_is_recorded_not_raised(poll):
    server = FakeImapServer({})
    port = server.port
    server.server_close()
    mailbox = Mailbox.objects.create(
        name="Down", host="127.0.0.1", port=port, security=Mailbox.Security.NONE, username="x", password="y"
    )
    assert poll(mailbox) == 0
    assert "Could not connect" in mailbox.last_error


def test_an_oversize_message_is_fetched_as_headers_only(poll, settings):
    settings.EMAIL_MAX_RAW_BYTES = 64 * 1024
    big = _mail(1).replace(b"Halo 1", b"x" * 100_000)
    with running(FakeImapServer({1: big})) as server:
        mailbox = _mailbox(server)
        poll(mailbox)
    assert len(bytes(InboundEvent.objects.get().body)) < 1000
    assert any("BODY.PEEK[HEADER]" in command for command in server.commands)
    assert Ticket.objects.get().subject == "Pesanan 1"


@pytest.mark.django_db(transaction=True)
def test_a_poller_process_killed_mid_batch_neither_skips_nor_duplicates(django_capture_on_commit_callbacks):
    """A real worker process polls, is SIGKILLed while waiting for message 4, and the next poll goes on."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite" and str(settings_dict["NAME"]).startswith(("file:memorydb", ":memory:")):
        pytest.skip("A second process needs PostgreSQL or a file database (set SQLITE_TEST_NAME).")
    if connection.vendor == "postgresql":
        database_url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@{settings_dict['HOST']}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    else:
        database_url = f"sqlite:///{settings_dict['NAME']}"
    server = FakeImapServer({uid: _mail(uid) for uid in range(1, 9)})
    server.stall_at_uid = 4
    with running(server):
        mailbox = _mailbox(server)
        script = (
            "import django; django.setup(); from channels_intake.email.models import Mailbox; "
            "from channels_intake.email.imap import poll_mailbox; "
            f"poll_mailbox(Mailbox.objects.get(pk={mailbox.pk}))"
        )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "supportdesk.settings_test",
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, stderr=subprocess.PIPE
        )
        try:
            # The poller has stored UIDs 1-3 and is waiting for the server to send UID 4: kill it there.
            if not server.stalled.wait(timeout=90):
                worker.kill()
                pytest.fail(
                    f"The poller never asked for message 4: {worker.communicate()[1].decode()[-3000:]}"
                )
            assert worker.poll() is None
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        server.release.set()
        mailbox.refresh_from_db()
        assert mailbox.last_uid == 3 and InboundEvent.objects.count() == 3, server.commands
        server.stall_at_uid = None
        with django_capture_on_commit_callbacks(execute=True):
            assert poll_mailbox(mailbox) == 5
    assert sorted(InboundEvent.objects.values_list("headers__uid", flat=True)) == list(range(1, 9))
    assert Message.objects.count() == 8


def test_a_message_the_server_can_never_deliver_is_quarantined_after_three_tries_and_skipped(poll, settings):
    settings.EMAIL_IMAP_MAX_FETCH_ATTEMPTS = 3
    server = FakeImapServer({uid: _mail(uid) for uid in range(1, 6)})
    server.broken_uids = {3}
    with running(server):
        mailbox = _mailbox(server)
        assert poll(mailbox) == 2  # 1 and 2; 3 fails
        assert mailbox.last_uid == 2 and "3" in mailbox.last_error
        assert poll(mailbox) == 0  # 3 fails again: still transient
        assert mailbox.last_uid == 2
        assert poll(mailbox) == 2  # third failure: 3 is quarantined, 4 and 5 come in
    assert mailbox.last_uid == 5 and mailbox.last_error == ""
    assert Ticket.objects.count() == 4
    quarantined = InboundEvent.objects.get(state=InboundEvent.State.QUARANTINED)
    assert quarantined.source == "imap" and quarantined.account == "CS Gmail"
    assert quarantined.headers["uid"] == 3
    assert "UID 3" in quarantined.error and "SERVERBUG" in quarantined.error


def test_the_mailbox_form_never_shows_the_password_and_keeps_it_when_left_blank(admin_client):
    mailbox = Mailbox.objects.create(
        name="CS Gmail", host="imap.gmail.example", username="cs@tokoku.example", password="app-pass-secret"
    )
    page = admin_client.get(f"/admin/channels_intake/mailbox/{mailbox.pk}/change/").content.decode()
    assert "app-pass-secret" not in page
    form = {
        "name": "CS Gmail",
        "host": "imap.gmail.example",
        "port": "993",
        "security": "ssl",
        "username": "cs@tokoku.example",
        "password": "",
        "folder": "INBOX",
        "active": "on",
    }
    response = admin_client.post(f"/admin/channels_intake/mailbox/{mailbox.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    mailbox.refresh_from_db()
    assert mailbox.password == "app-pass-secret"
    response = admin_client.post(
        f"/admin/channels_intake/mailbox/{mailbox.pk}/change/", {**form, "password": "new-app-pass"}
    )
    mailbox.refresh_from_db()
    assert mailbox.password == "new-app-pass"
    add = {**form, "name": "Other", "password": ""}
    assert admin_client.post("/admin/channels_intake/mailbox/add/", add).status_code == 200  # required
    assert not Mailbox.objects.filter(name="Other").exists()
