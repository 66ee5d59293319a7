"""The embedded default's channel layer: a worker thread's event reaches a socket in the web thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer

from supportdesk.layers import ThreadSafeInMemoryChannelLayer


def received_within(layer: InMemoryChannelLayer, seconds: float) -> bool:
    """A socket waits on the layer in its own loop (thread); another thread publishes, as Celery would."""
    got = threading.Event()
    ready = threading.Event()

    def socket_loop() -> None:
        async def wait() -> None:
            channel = await layer.new_channel()
            await layer.group_add("ticket.1", channel)
            ready.set()
            try:
                await asyncio.wait_for(layer.receive(channel), seconds + 1)
                got.set()
            except TimeoutError:
                pass

        asyncio.run(wait())

    thread = threading.Thread(target=socket_loop)
    thread.start()
    ready.wait(2)
    time.sleep(0.05)  # the socket is waiting in receive()
    started = time.monotonic()
    async_to_sync(layer.group_send)("ticket.1", {"type": "ticket.changed", "ticket": 1})
    arrived = got.wait(seconds)
    thread.join(5)
    return arrived and time.monotonic() - started < seconds


def test_an_event_sent_from_another_thread_wakes_the_waiting_socket_at_once():
    assert received_within(ThreadSafeInMemoryChannelLayer(), 0.5)


@pytest.mark.parametrize("layer", [InMemoryChannelLayer])
def test_channels_own_in_memory_layer_does_not_which_is_why_ours_exists(layer):
    assert not received_within(layer(), 0.5)
