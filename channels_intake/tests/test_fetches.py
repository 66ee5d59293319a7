"""Files and profile names owed by a stored message are fetched even when their task is lost.

The fake Graph API is a real HTTP server on 127.0.0.1. "The broker lost the task" is the message
processed with its after-commit work thrown away; "a worker killed mid-fetch" is the row as such a
worker leaves it (an attempt claimed, nothing done).
"""

from __future__ import annotations

import datetime as dt
import json
from html import unescape

import pytest
from django.utils import timezone

from channels_intake.fetches import MAX_ATTEMPTS, PendingFetch, sweep_pending_fetches
from channels_intake.models import InboundEvent
from channels_intake.processing import run
from channels_intake.tests.fakes import SERVER_ERROR
from channels_intake.tests.support import fixture, fixture_bytes, meta_page, whatsapp_number
from tickets.models import Contact, Message, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixtures_just_sent")]
MEDIA_ID = "1003383421387256"  # the WhatsApp image fixture's
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 64
PSID = "6745879123456789"  # the Messenger fixtures' customer


@pytest.fixture
def number(personas):
    return whatsapp_number(team=personas.team)


@pytest.fixture
def page(personas):
    return meta_page("messenger", team=personas.team)


def stored(channel: str, body: bytes) -> InboundEvent:
    return InboundEvent.objects.create(channel=channel, account="test", source="webhook", body=body)


@pytest.fixture
def lost_tasks(django_capture_on_commit_callbacks):
    """Process an event, dropping what it queued after commit: the broker lost those tasks."""

    def process(channel: str, body: bytes) -> Message:
        with django_capture_on_commit_callbacks(execute=False):
            assert run(stored(channel, body).pk) == InboundEvent.State.PROCESSED
        return Message.objects.latest("pk")

    return process


def left_by_a_killed_worker(message: Message, *, attempts: int, last_error: str = "") -> PendingFetch:
    """The row as a worker killed during its fetch leaves it: an attempt claimed, its retry due."""
    PendingFetch.objects.filter(message=message).update(
        attempts=attempts, last_error=last_error, due_at=timezone.now() - dt.timedelta(minutes=10)
    )
    return PendingFetch.objects.get(message=message)


@pytest.fixture
def agent_client(client, personas):
    client.force_login(personas.agent)
    return client


def timeline(agent_client, ticket: Ticket) -> str:
    response = agent_client.get(f"/desk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return unescape(response.content.decode())


# --- media --------------------------------------------------------------------------------------------


def test_a_file_whose_download_task_the_broker_lost_is_fetched_by_the_sweep(
    number, fake_api, lost_tasks, run_on_commit
):
    fake_api.media[MEDIA_ID] = (JPEG, "image/jpeg")
    message = lost_tasks("whatsapp", fixture_bytes("whatsapp", "image"))
    assert not message.attachments.exists() and PendingFetch.objects.get().kind == "media"
    assert run_on_commit(sweep_pending_fetches) == 0  # still fresh: its own task may yet come
    assert run_on_commit(sweep_pending_fetches, older_than_seconds=0) == 1
    [attachment] = message.attachments.all()
    assert attachment.content_type == "image/jpeg" and attachment.file.read() == JPEG
    assert [call.path for call in fake_api.calls("GET")] == [
        f"/v21.0/{MEDIA_ID}",
        f"/whatsapp-media/{MEDIA_ID}",
    ]
    assert not PendingFetch.objects.exists()
    assert run_on_commit(sweep_pending_fetches, older_than_seconds=0) == 0


def test_a_lost_download_is_queued_once_while_its_new_task_waits_in_the_queue(
    number, lost_tasks, django_capture_on_commit_callbacks
):
    lost_tasks("whatsapp", fixture_bytes("whatsapp", "image"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert sweep_pending_fetches(older_than_seconds=0) == 1
        assert sweep_pending_fetches(older_than_seconds=0) == 0
    assert len(queued) == 1


def test_a_download_killed_half_way_is_done_by_the_sweep_and_its_attempt_counts(
    number, fake_api, lost_tasks, run_on_commit
):
    fake_api.media[MEDIA_ID] = (JPEG, "image/jpeg")
    message = lost_tasks("whatsapp", fixture_bytes("whatsapp", "image"))
    left_by_a_killed_worker(message, attempts=MAX_ATTEMPTS - 1)
    fake_api.script("GET", r"^/whatsapp-media/", 502, b"Bad Gateway")
    run_on_commit(sweep_pending_fetches)
    # The one attempt left was used on the 502: it gives up instead of trying a sixth time.
    assert not message.attachments.exists() and not PendingFetch.objects.exists()
    assert len(fake_api.calls("GET", "/whatsapp-media/")) == 1
    assert "502" in TicketEvent.objects.get(kind=TicketEvent.Kind.DELIVERY).after["error"]


def test_a_file_whose_row_outlived_its_download_is_attached_once(number, fake_api, lost_tasks, run_on_commit):
    fake_api.media[MEDIA_ID] = (JPEG, "image/jpeg")
    message = lost_tasks("whatsapp", fixture_bytes("whatsapp", "image"))
    run_on_commit(sweep_pending_fetches, older_than_seconds=0)
    # A worker that attached the file and was killed before deleting its row, as seen by the next one.
    PendingFetch.objects.create(kind="media", message=message, index=0, attempts=1)
    run_on_commit(sweep_pending_fetches, older_than_seconds=0)
    assert message.attachments.count() == 1 and len(fake_api.calls("GET", "/whatsapp-media/")) == 1
    assert not PendingFetch.objects.exists()


def test_a_file_the_cdn_keeps_refusing_is_tried_a_bounded_number_of_times_then_noted_on_the_timeline(
    number, fake_api, run_on_commit, agent_client
):
    fake_api.media[MEDIA_ID] = (JPEG, "image/jpeg")
    fake_api.script("GET", r"^/whatsapp-media/", 503, b"Service Unavailable", times=MAX_ATTEMPTS + 3)
    run_on_commit(run, stored("whatsapp", fixture_bytes("whatsapp", "image")).pk)
    message = Message.objects.get()
    assert len(fake_api.calls("GET", "/whatsapp-media/")) == MAX_ATTEMPTS
    assert not message.attachments.exists() and not PendingFetch.objects.exists()
    assert message.text.startswith("[Image]")  # the placeholder stays
    html = timeline(agent_client, message.ticket)
    assert "could not be downloaded (HTTP 503)" in html
    assert run_on_commit(sweep_pending_fetches, older_than_seconds=0) == 0  # nothing left to try


def test_a_killed_last_attempt_is_given_up_by_the_sweep_with_a_note_naming_the_file(
    number, fake_api, lost_tasks, run_on_commit, agent_client
):
    payload = fixture("whatsapp", "document")
    message = lost_tasks("whatsapp", json.dumps(payload).encode())
    left_by_a_killed_worker(message, attempts=MAX_ATTEMPTS, last_error="Meta could not be reached: timed out")
    assert run_on_commit(sweep_pending_fetches) == 1
    assert not fake_api.calls("GET") and not PendingFetch.objects.exists()
    note = TicketEvent.objects.get(kind=TicketEvent.Kind.DELIVERY)
    assert note.message_id == message.pk and note.after["media"] == "bukti-transfer.pdf"
    assert f"Not fetched after {MAX_ATTEMPTS} attempts. Meta could not be reached" in note.after["error"]
    assert "The file bukti-transfer.pdf could not be downloaded: Not fetched after" in timeline(
        agent_client, message.ticket
    )
    assert run_on_commit(sweep_pending_fetches, older_than_seconds=0) == 0


# --- profile names ----------------------------------------------------------------------------------


def test_a_profile_name_whose_task_the_broker_lost_is_fetched_by_the_sweep(
    page, fake_api, lost_tasks, run_on_commit
):
    fake_api.profiles[PSID] = {"first_name": "Dewi", "last_name": "Lestari", "name": "Dewi Lestari"}
    lost_tasks("messenger", fixture_bytes("messenger", "text"))
    assert PendingFetch.objects.get().kind == "profile"
    assert str(Contact.objects.get()) != "Dewi Lestari"
    run_on_commit(sweep_pending_fetches, older_than_seconds=0)
    assert str(Contact.objects.get()) == "Dewi Lestari" and not PendingFetch.objects.exists()


def test_a_customer_writing_again_while_the_name_is_owed_costs_one_lookup(
    page, fake_api, lost_tasks, run_on_commit
):
    fake_api.profiles[PSID] = {"first_name": "Dewi", "last_name": "Lestari", "name": "Dewi Lestari"}
    lost_tasks("messenger", fixture_bytes("messenger", "text"))
    lost_tasks("messenger", fixture_bytes("messenger", "reply"))
    assert PendingFetch.objects.count() == 1
    run_on_commit(sweep_pending_fetches, older_than_seconds=0)
    assert len(fake_api.calls("GET", f"/{PSID}")) == 1 and str(Contact.objects.get()) == "Dewi Lestari"


def test_a_profile_lookup_that_meets_a_server_error_is_retried(page, fake_api, run_on_commit):
    fake_api.profiles[PSID] = {"first_name": "Dewi", "last_name": "Lestari", "name": "Dewi Lestari"}
    fake_api.script("GET", rf"/{PSID}$", 500, SERVER_ERROR)
    run_on_commit(run, stored("messenger", fixture_bytes("messenger", "text")).pk)
    assert len(fake_api.calls("GET", f"/{PSID}")) == 2
    assert str(Contact.objects.get()) == "Dewi Lestari" and not PendingFetch.objects.exists()


def test_a_name_meta_refuses_is_noted_once_on_the_timeline_and_not_asked_for_again(
    page, fake_api, run_on_commit, agent_client
):
    run_on_commit(run, stored("messenger", fixture_bytes("messenger", "text")).pk)
    run_on_commit(run, stored("messenger", fixture_bytes("messenger", "reply")).pk)
    assert len(fake_api.calls("GET", f"/{PSID}")) == 1
    [note] = TicketEvent.objects.filter(kind=TicketEvent.Kind.DELIVERY)
    assert note.after["profile"] == "messenger" and "does not exist" in note.after["error"]
    assert "name could not be fetched from Facebook Messenger" in timeline(agent_client, Ticket.objects.get())
    assert not PendingFetch.objects.exists()
