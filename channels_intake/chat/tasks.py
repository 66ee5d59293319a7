"""Background work for live chat: transcripts, and the sweep that keeps routing moving."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from channels_intake.chat import assignment, presence, transcript
from channels_intake.chat.models import ChatSession

SWEEP_BATCH = 200


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_transcript(session_id: int) -> None:
    transcript.send_transcript(session_id)


def end_abandoned_chats(now: dt.datetime | None = None) -> int:
    """Chats whose visitor has been gone a while end, so they stop counting against the agent's limit."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.CHAT_ABANDONED_MINUTES)
    ids = list(
        ChatSession.objects.filter(ended_at__isnull=True, last_seen_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    # Conditional update: a visitor who came back meanwhile keeps their chat.
    return ChatSession.objects.filter(pk__in=ids, ended_at__isnull=True, last_seen_at__lt=cutoff).update(
        ended_at=timezone.now()
    )


@shared_task
def sweep_chats() -> dict[str, int]:
    """Every few seconds (beat): forget dead agent sockets, end abandoned chats, offer waiting chats."""
    return {
        "stale_connections": presence.forget_stale_connections(),
        "abandoned": end_abandoned_chats(),
        "routed": assignment.route_waiting(),
    }
