"""The embedded default's channel layer: Channels' in-memory layer, safe to send to from other threads.

On the embedded stack `runstack` runs the Celery worker as threads of the web process (see
supportdesk/management/commands/runstack.py), so events the worker publishes (routing, SLA and
escalation changes, delivery status) reach the sockets at once instead of at their next ping. Those
threads run their own event loops (async_to_sync); an asyncio.Queue may only be woken from its own loop,
so a send from another loop is handed to the receiver's loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer

HANDOVER_SECONDS = 5.0


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._receiver_loops: dict[str, asyncio.AbstractEventLoop] = {}

    async def receive(self, channel: str) -> Any:
        # Remembered only while waiting: a message sent in between is simply queued for the next receive.
        self._receiver_loops[channel] = asyncio.get_running_loop()
        try:
            return await super().receive(channel)
        finally:
            self._receiver_loops.pop(channel, None)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        loop = self._receiver_loops.get(channel)
        if loop is None or loop.is_closed() or loop is asyncio.get_running_loop():
            await super().send(channel, message)
            return
        handed = asyncio.run_coroutine_threadsafe(super().send(channel, message), loop)
        await asyncio.wait_for(asyncio.wrap_future(handed), HANDOVER_SECONDS)

    async def flush(self) -> None:
        self._receiver_loops.clear()
        await super().flush()
