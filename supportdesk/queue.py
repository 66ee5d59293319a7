"""Queueing tasks after commit without letting a broker outage break, or slow down, what queued them.

Work queued this way must also be findable from the database (a queued message, a pending inbound
event, a media file not downloaded yet), so a periodic sweep picks up whatever the broker lost. That
is why publishing here fails fast instead of waiting for the broker: short connect and socket timeouts
(``TASK_PUBLISH_TIMEOUT_SECONDS``), no publish retries, and the error is logged, never raised. A
webhook's acknowledgement must not depend on the broker (a provider retries, then disables, a slow
webhook), and neither must an agent's reply.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from kombu.pools import ProducerPool

log = logging.getLogger(__name__)

_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Run ``task.delay(*args)`` once the current transaction commits (at once outside one).

    Never raises and never waits long for the broker: when it cannot be reached the task is not
    queued, and the periodic sweep of that kind of work picks it up.
    """

    def send() -> None:
        # Eager mode (tests) runs the task here and propagates its own errors: those are bugs.
        if getattr(task.app.conf, "task_always_eager", False):
            task.delay(*args)
            return
        try:
            publish(task, *args)
        except Exception as error:
            log.warning(
                "Could not queue %s%r (%s: %s); the periodic sweep will pick it up.",
                task.name,
                args,
                type(error).__name__,
                error,
            )

    transaction.on_commit(send)


def publish(task: Any, *args: Any) -> None:
    """Send ``task`` to the broker over a pooled connection with short timeouts and no retries."""
    timeout = settings.TASK_PUBLISH_TIMEOUT_SECONDS
    with publish_pool(task.app).acquire(block=True, timeout=timeout) as producer:
        task.apply_async(args, producer=producer, retry=False)


def publish_pool(app: Any = None) -> Any:
    """One pool of producers on fail-fast broker connections per process and broker URL (tests change
    the URL); a producer keeps its connection between publishes, as Celery's own pool does."""
    if app is None:
        from supportdesk.celery import app
    url = str(app.conf.broker_write_url or app.conf.broker_url)
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            timeout = settings.TASK_PUBLISH_TIMEOUT_SECONDS
            connection = app.connection_for_write(
                url,
                connect_timeout=timeout,
                transport_options={
                    # kombu: give up on the first failed connect instead of retrying for seconds.
                    "max_retries": 0,
                    # Redis: bound the TCP connect and every command (a broker that accepts the
                    # connection and never answers would otherwise hang the request for good).
                    "socket_connect_timeout": timeout,
                    "socket_timeout": timeout,
                },
            )
            limit = app.conf.broker_pool_limit or 10
            pool = _pools[url] = ProducerPool(
                connection.Pool(limit=limit), limit=limit, Producer=app.amqp.Producer
            )
        return pool
