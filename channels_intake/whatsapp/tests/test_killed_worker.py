"""A real Celery worker killed (SIGKILL) half-way through an event: the next worker processes it, once.

The webhook stores the event and publishes its task to a real broker: Redis when REDIS_URL is set (a
queue of this test's own), otherwise the embedded filesystem broker in a temporary folder. The first
worker is started with processing.HOLD_FOR_KILL, so it stops with the event's message written but not
committed; it is killed there. A second worker then gets the pickup sweep, as beat sends it every minute
(neither broker hands a killed worker's task to another one at once: the filesystem broker has already
deleted it, Redis gives it back after its one-hour visibility timeout).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from channels_intake.models import InboundEvent
from channels_intake.processing import sweep_pending_events
from channels_intake.tests.support import fixture_bytes, meta_signature, whatsapp_number
from supportdesk.celery import app as celery_app
from supportdesk.queue import publish
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_SECONDS = 60  # a bound for a loaded machine; it takes a few seconds


def shared_database_url() -> str:
    """The test database as a URL another process can open; skips when it lives in this process only."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite" and str(settings_dict["NAME"]).startswith(("file:memorydb", ":memory:")):
        pytest.skip("A worker process needs PostgreSQL or a file database (set SQLITE_TEST_NAME).")
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@{settings_dict['HOST']}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    return f"sqlite:///{settings_dict['NAME']}"


@contextlib.contextmanager
def real_broker(var_dir: Path, queue: str) -> Iterator[None]:
    """Publish for real (not eagerly) to this test's own queue on Redis, or on a filesystem broker in
    ``var_dir``, where the workers started with SUPPORTDESK_VAR_DIR=var_dir read it."""
    conf = celery_app.conf
    saved = {
        key: conf[key]
        for key in ("task_always_eager", "broker_url", "broker_transport_options", "task_routes")
    }
    changes: dict[str, object] = {"task_always_eager": False, "task_routes": {"*": {"queue": queue}}}
    if not settings.REDIS_URL:
        folder = str(var_dir / "broker")
        changes |= {
            # Its own URL: supportdesk.queue keeps one producer pool per URL, made with the folders of then.
            "broker_url": f"filesystem://{queue}",
            "broker_transport_options": {
                "data_folder_in": folder,
                "data_folder_out": folder,
                "control_folder": str(var_dir / "broker-control"),
            },
        }
        os.makedirs(folder)
    conf.update(changes)
    try:
        yield
    finally:
        if settings.REDIS_URL:
            forget_queue(queue)
        conf.update(saved)


def forget_queue(queue: str) -> None:
    """Redis keeps the killed worker's unacknowledged task to give back in an hour: drop it, and the
    queue with its exchange (Celery made both for this test's route)."""
    with celery_app.connection_for_write() as broker:
        channel = broker.default_channel
        client = channel.client
        for tag, payload in client.hgetall(channel.unacked_key).items():
            if json.loads(payload)[-1] == queue:  # [message, exchange, routing key]
                client.hdel(channel.unacked_key, tag)
                client.zrem(channel.unacked_index_key, tag)
        channel.queue_purge(queue)
        client.delete(channel.keyprefix_queue % queue, channel.keyprefix_binding_permanent % queue)


def start_worker(
    database_url: str, var_dir: Path, queue: str, *, hold: Path | None = None
) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "supportdesk.settings",
        "SECRET_KEY": "killed-worker-test",
        "DATABASE_URL": database_url,
        "SUPPORTDESK_VAR_DIR": str(var_dir),
        "META_GRAPH_URL": "http://127.0.0.1:9/v21.0",  # nothing leaves the machine
        "INBOUND_EVENT_SWEEP_AFTER_SECONDS": "0",
        "CELERY_QUEUE": queue,  # what the workers queue themselves (acknowledgements) stays in the test's
    }
    env.pop("SUPPORTDESK_TEST_HOLD_PROCESSING", None)
    if hold is not None:
        env["SUPPORTDESK_TEST_HOLD_PROCESSING"] = str(hold)
    command = [
        *(sys.executable, "-m", "celery", "-A", "supportdesk", "worker", "--pool=solo"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"),
    ]
    return subprocess.Popen(
        command, env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def stop(worker: subprocess.Popen) -> str:
    """Stop a worker this test started (if it still runs); its error output, for failure messages."""
    if worker.poll() is None:
        worker.terminate()  # Celery's warm shutdown
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
    _out, err = worker.communicate(timeout=10)
    return err.decode(errors="replace")[-3000:]


def wait_until(condition, worker: subprocess.Popen, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if worker.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"The worker never {what}: {stop(worker)}")
        time.sleep(0.05)


def test_an_event_whose_worker_is_killed_half_way_is_processed_after_restart_once(client, tmp_path):
    database_url = shared_database_url()
    whatsapp_number()
    queue = f"killed-worker-{uuid.uuid4().hex[:12]}"
    held = tmp_path / "held"
    body = fixture_bytes("whatsapp", "text")
    with real_broker(tmp_path, queue):
        first = start_worker(database_url, tmp_path, queue, hold=held)
        try:
            response = client.post(
                "/intake/whatsapp/",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=meta_signature(body),
            )
            assert response.status_code == 200
            wait_until(held.exists, first, "reached the event's half-way point")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            stop(first)
        event = InboundEvent.objects.get()
        assert event.state == InboundEvent.State.PENDING and event.attempts == 1
        assert not Message.objects.exists() and not Ticket.objects.exists()  # nothing half-stored

        second = start_worker(database_url, tmp_path, queue)
        try:
            publish(sweep_pending_events)  # what beat sends every minute
            wait_until(
                lambda: InboundEvent.objects.filter(pk=event.pk, state=InboundEvent.State.PROCESSED).exists(),
                second,
                "processed the event",
            )
        finally:
            stop(second)
    event.refresh_from_db()
    assert event.attempts == 2  # the killed try and the one that finished
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1
    assert event.ticket_ids == [Ticket.objects.get().pk]
