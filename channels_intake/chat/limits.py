"""How fast one chat may send messages, whichever transport carries them (socket, polling, uploads).

A person types a few messages a minute; a script flooding one chat is slowed down. The count lives in the
cache (shared by every web process: Redis on the full stack, files on the embedded default), keyed by the
chat session, so switching transport or opening more tabs does not reset it.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from channels_intake.chat.adapter import SlowDown

MESSAGES_PER_WINDOW, WINDOW_SECONDS = 20, 10.0


def flooding(session_id: int, *, now: float | None = None) -> bool:
    """Count one message for the chat; True when it is over the limit (the message must be refused)."""
    now = time.time() if now is None else now
    key = f"chat-flood:{session_id}"
    recent = [moment for moment in cache.get(key, []) if now - moment < WINDOW_SECONDS]
    recent.append(now)
    cache.set(key, recent[-(MESSAGES_PER_WINDOW + 1) :], timeout=int(WINDOW_SECONDS) + 1)
    return len(recent) > MESSAGES_PER_WINDOW


def check(session_id: int) -> None:
    """Count one message for the chat; raise SlowDown (a sentence for the visitor) when over the limit."""
    if flooding(session_id):
        raise SlowDown(_("You are sending messages too fast. Please wait a moment."))
