"""A webhook is acknowledged at once whatever the broker does; the sweep processes what it lost.

No mock: the broker URL points at a closed 127.0.0.1 port (Redis refusing connections) or at a tiny
server that accepts connections and never answers (a broker silently dropping packets). The event is
stored, the provider gets its 200 within a bound, and the periodic sweep turns the event into a ticket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from channels_intake.models import InboundEvent
from channels_intake.processing import sweep_pending_events
from channels_intake.tests.support import fixture_bytes, meta_signature, whatsapp_number
from supportdesk.celery import app as celery_app
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
# The slowest acknowledgement we accept; our own work (verify, one INSERT) takes milliseconds.
REFUSED_BOUND_SECONDS = 0.5
SILENT_BOUND_SECONDS = 1.5  # the publish timeout (0.5 s) plus the request itself, on a busy machine


class SilentServer:
    """Accepts TCP connections and never answers; holds each one until stopped (or 10 s)."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def serve(self) -> None:
        deadline = time.monotonic() + 10
        while not self.stopping.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError, OSError):
                connection, _address = self.listener.accept()
                self.accepted.append(connection)
        for connection in self.accepted:
            connection.close()

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Publish for real (not eagerly) to ``url`` for the duration of the block."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.update(task_always_eager=False, broker_url=url)
    try:
        yield
    finally:
        conf.update(task_always_eager=saved[0], broker_url=saved[1])


@pytest.fixture
def number(db):
    return whatsapp_number()


def post_signed_webhook(client) -> tuple[int, float]:
    body = fixture_bytes("whatsapp", "text")
    # Warm up what a running server has loaded long before (URLs, views, the Redis client): only the
    # acknowledgement itself is timed. A wrong signature stores nothing and queues nothing.
    import kombu.transport.redis  # noqa: F401

    assert (
        client.post(
            "/intake/whatsapp/",
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256="sha256=00",
        ).status_code
        == 403
    )
    started = time.monotonic()
    response = client.post(
        "/intake/whatsapp/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=meta_signature(body),
    )
    return response.status_code, time.monotonic() - started


def assert_stored_then_processed_by_the_sweep() -> None:
    event = InboundEvent.objects.get()
    assert event.state == InboundEvent.State.PENDING  # its task never reached a broker
    assert sweep_pending_events(older_than_seconds=0) == 1
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1


def test_the_webhook_answers_at_once_while_the_broker_refuses_connections(client, number):
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        status, seconds = post_signed_webhook(client)
    assert status == 200
    assert seconds < REFUSED_BOUND_SECONDS, f"acknowledged after {seconds:.2f}s"
    assert_stored_then_processed_by_the_sweep()


def test_the_webhook_answers_in_bounded_time_while_the_broker_never_answers(client, number):
    with SilentServer() as silent, broker_at(f"redis://127.0.0.1:{silent.port}/0"):
        status, seconds = post_signed_webhook(client)
        assert silent.accepted  # it did reach the silent broker
    assert status == 200
    assert seconds < SILENT_BOUND_SECONDS, f"acknowledged after {seconds:.2f}s"
    assert_stored_then_processed_by_the_sweep()


def test_a_working_broker_is_reused_not_reconnected_for_every_publish(number):
    """Publishing goes through a pool: two publishes to the same broker share one connection pool."""
    from supportdesk import queue

    with broker_at("memory://"):
        first = queue.publish_pool()
        assert queue.publish_pool() is first
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        assert queue.publish_pool() is not first
