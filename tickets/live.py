"""Telling open agent pages (and chat visitors) that a ticket changed, over the channel layer.

Events say what changed, never carry data: a page that hears "ticket 42 changed: a message (id 901);
parts messages, timeline" fetches just those server-rendered parts (the messages after the last one it
shows, the timeline entries after the last one it shows), a chat socket re-reads the messages after the
last one it sent. So a lost event costs freshness, never data, and the database stays the only source
of truth.

Every event carries ``state``, a fingerprint of what the ticket's header, properties and the queue
counts show (status, assignee, team, ...; see HEAD_FIELDS): a page fetches those only when the
fingerprint differs from the one it shows, whatever the reason of the change (a customer message that
reopens a resolved ticket, a card number flagging it).

Groups:
    ticket.<id>        pages showing that ticket, and the chat visitor of a chat ticket
    inbox.all          inbox lists over every ticket
    inbox.team.<id>    inbox lists of one team
    inbox.user.<id>    "assigned to me" lists
    desk.presence      supervisors' view of agent presence
A page can be in several of a change's groups; every event has an ``id`` so its socket forwards it once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from tickets.models import Ticket

log = logging.getLogger(__name__)

INBOX_ALL = "inbox.all"
PRESENCE_GROUP = "desk.presence"

# What a ticket page shows in its header, properties and queue counts: the fingerprint covers these.
HEAD_FIELDS = (
    "status",
    "hold_reason",
    "priority",
    "category_id",
    "team_id",
    "assignee_id",
    "order_ref",
    "security_flag",
    "merged_into_id",
    "subject",
    "channel",
)

# The parts of a ticket page a change of each kind (the action's reason) changes, besides the header
# when the fingerprint moved. Parts: "messages" (new ones, appended), "conversation" (all of it: a
# delivery mark, the chat's end), "timeline" (new entries), "head" (header, SLA, properties).
PARTS_BY_KIND: dict[str, tuple[str, ...]] = {
    "customer_message": ("messages", "timeline"),
    "note": ("messages", "timeline"),
    "email": ("messages", "timeline"),
    "agent_reply": ("messages", "timeline", "head"),  # first response and the SLA panel
    "chat_reply": ("conversation",),  # the reply's delivery mark
    "delivery": ("conversation", "timeline"),
    "chat_ended": ("conversation",),
    "merged": ("conversation", "timeline", "head"),
}
OTHER_PARTS = ("timeline", "head")  # a property, an assignment, a status, an escalation...
PARTS = ("messages", "conversation", "timeline", "head", "nav")


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def team_group(team_id: int) -> str:
    return f"inbox.team.{team_id}"


def user_group(user_id: int) -> str:
    return f"inbox.user.{user_id}"


def head_state(ticket: Any) -> str:
    """The fingerprint of HEAD_FIELDS, for a Ticket or a dict of its values."""
    get = ticket.get if isinstance(ticket, dict) else lambda name: getattr(ticket, name)
    raw = "\x1f".join(str(get(name)) for name in HEAD_FIELDS)
    return hashlib.blake2s(raw.encode(), digest_size=6).hexdigest()


def parts_for(kind: str, *, clocks_changed: bool = False) -> list[str]:
    parts = list(PARTS_BY_KIND.get(kind, OTHER_PARTS))
    if clocks_changed and "head" not in parts:
        parts.append("head")  # the SLA panel
    return parts


def publish_ticket_changed(
    ticket_id: int,
    kind: str,
    *,
    ticket: Ticket | None = None,
    message_id: int | None = None,
    clocks_changed: bool = False,
) -> None:
    """Tell every page showing ticket ``ticket_id`` what changed; ``kind`` is the action's reason.

    Call it after commit, so whoever fetches sees the change:
    ``transaction.on_commit(lambda: publish_ticket_changed(ticket.pk, reason, ticket=ticket))``. With
    ``ticket`` (the instance the committed transaction changed) nothing is read from the database.
    ``message_id``: the message the change added. Never raises: a channel layer outage must not fail
    the request whose change is already committed.
    """
    from tickets.models import Ticket, TicketEvent

    if ticket is not None:
        row: dict[str, Any] | None = {name: getattr(ticket, name) for name in HEAD_FIELDS}
    else:
        row = Ticket.objects.filter(pk=ticket_id).values(*HEAD_FIELDS).first()
    groups = [ticket_group(ticket_id), INBOX_ALL]
    if row is not None:
        if row["team_id"]:
            groups.append(team_group(row["team_id"]))
        if row["assignee_id"]:
            groups.append(user_group(row["assignee_id"]))
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
    state = head_state(row) if row is not None else ""
    event = ticket_event(ticket_id, kind, message_id=message_id, clocks_changed=clocks_changed, state=state)
    send_to_groups(groups, event)


def ticket_event(
    ticket_id: int, kind: str, *, message_id: int | None = None, clocks_changed: bool = False, state: str = ""
) -> dict[str, Any]:
    """The "ticket changed" event; ``state`` empty: the sender does not know (the header stays)."""
    return {
        "type": "ticket.changed",
        "id": uuid.uuid4().hex,
        "ticket": ticket_id,
        "kind": kind,
        "message": message_id,
        "parts": parts_for(kind, clocks_changed=clocks_changed),
        "state": state,
    }


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
