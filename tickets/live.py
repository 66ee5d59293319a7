"""Telling open agent pages (and chat visitors) that a ticket changed, over the channel layer.

Events are pokes, not data: a page that hears "ticket 42 changed" re-fetches its server-rendered fragment,
a chat socket re-reads the messages after the last one it sent. So a lost event costs freshness, never
data, and the database stays the only source of truth.

Groups:
    ticket.<id>        pages showing that ticket, and the chat visitor of a chat ticket
    inbox.all          inbox lists over every ticket
    inbox.team.<id>    inbox lists of one team
    inbox.user.<id>    "assigned to me" lists
    desk.presence      supervisors' view of agent presence
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

INBOX_ALL = "inbox.all"
PRESENCE_GROUP = "desk.presence"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def team_group(team_id: int) -> str:
    return f"inbox.team.{team_id}"


def user_group(user_id: int) -> str:
    return f"inbox.user.{user_id}"


def publish_ticket_changed(
    ticket_id: int, kind: str, *, team_and_assignee: tuple[int | None, int | None] | None = None
) -> None:
    """Poke every page showing ticket ``ticket_id``; ``kind`` says what happened (the action's reason).

    Call it after commit, so whoever re-fetches sees the change:
    ``transaction.on_commit(lambda: publish_ticket_changed(ticket.pk, reason))``. Never raises: a channel
    layer outage must not fail the request whose change is already committed.

    ``team_and_assignee``: the ticket's team and assignee as the caller's transaction committed them,
    which saves reading them back (a later change publishes its own event with its own groups).
    """
    from tickets.models import Ticket, TicketEvent

    if team_and_assignee is None:
        row = Ticket.objects.filter(pk=ticket_id).values_list("team_id", "assignee_id").first()
        team_and_assignee = row or (None, None)
    team_id, assignee_id = team_and_assignee
    groups = [ticket_group(ticket_id), INBOX_ALL]
    if team_id:
        groups.append(team_group(team_id))
    if assignee_id:
        groups.append(user_group(assignee_id))
    if kind == "assigned":
        # The previous assignee's "mine" list loses the ticket.
        from django.contrib.auth import get_user_model

        before = (
            TicketEvent.objects.filter(ticket_id=ticket_id, kind=TicketEvent.Kind.ASSIGNED)
            .order_by("-created_at", "-pk")
            .values_list("before", flat=True)
            .first()
        )
        if isinstance(before, str):
            previous = get_user_model().objects.filter(username=before).values_list("pk", flat=True).first()
            if previous is not None:
                groups.append(user_group(previous))
    send_to_groups(groups, {"type": "ticket.changed", "ticket": ticket_id, "kind": kind})


def send_to_groups(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send one event to several groups from synchronous code; logs instead of raising."""
    layer = get_channel_layer()
    if layer is None:
        return
    names = list(dict.fromkeys(groups))

    async def send_all() -> None:
        await asyncio.gather(*(layer.group_send(name, event) for name in names))

    try:
        if type(layer).__module__.startswith("channels_redis"):
            _publisher.run(send_all)
        else:  # the in-memory layer belongs to the loop of the server (or test) that uses it
            async_to_sync(send_all)()
    except Exception:
        log.warning("Could not publish %s to %s", event.get("type"), names, exc_info=True)


class _PublisherLoop:
    """One event loop per process, in a daemon thread, that synchronous code publishes through.

    async_to_sync outside a server's loop (a Celery worker, a WSGI process, manage.py ingest_email)
    runs every call on a new event loop, and channels_redis keeps its connections per loop: each
    publish connected to Redis anew (~4 of the ~5 ms a publish took). Here they stay open.
    """

    TIMEOUT_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def run(self, coroutine_function: Callable[[], Coroutine[Any, Any, None]]) -> None:
        future = asyncio.run_coroutine_threadsafe(coroutine_function(), self._running_loop())
        try:
            future.result(self.TIMEOUT_SECONDS)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            # A forked child (gunicorn, Celery prefork) inherits the loop but not its thread.
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, name="live-publisher", daemon=True).start()
            return self._loop


_publisher = _PublisherLoop()
