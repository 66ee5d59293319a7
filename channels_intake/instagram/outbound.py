"""Sending on Instagram DM through Meta's Send API (shared with the other Meta messaging channel)."""

from __future__ import annotations

from channels_intake import meta_messaging
from tickets.models import Message


def send(message: Message) -> str:
    return meta_messaging.send(message)
