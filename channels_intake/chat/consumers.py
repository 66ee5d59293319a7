"""The visitor's WebSocket (ws/chat/<public key>/), and what both chat sockets share.

The visitor socket and the agent socket (agent_consumer.py) treat channel-layer events as pokes and read
what changed from the database, so a socket that missed events catches up on the next poke, ping or
reconnect (with the id of the last message it has).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from channels_intake.chat import visitor
from channels_intake.chat.adapter import BadInput
from channels_intake.chat.identity import session_for_token
from channels_intake.chat.models import ChatSession, ChatWidget
from tickets import live

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403


def db(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run database work off the event loop.

    SQLite takes one writer at a time, so there it all shares one thread (Channels' default); on
    PostgreSQL it runs in the server's thread pool (ASGI_THREADS), so one chat never waits for another's.
    """
    return database_sync_to_async(function, thread_sensitive=connection.vendor == "sqlite")


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin1"))
    return ""


class JsonConsumer(AsyncJsonWebsocketConsumer):
    """Frames that are not JSON are answered with an error instead of closing the socket."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its close_old_connections() before every event.

        That call runs in asgiref's one shared thread, so every frame and every channel-layer event of
        every socket of the process queued for that thread, and it only closes that thread's connection.
        All database work here goes through db() (database_sync_to_async), which closes old connections
        in the thread the work runs in, before and after.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None


def whole_number(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


class VisitorConsumer(JsonConsumer):
    """A chat widget on a merchant's page. Authenticated by the signed visitor token, not by cookie.

    Per message the socket does as little as it can: the visitor's own message goes straight back with
    the ack (no re-read), and the "ticket changed" poke that its own message causes is skipped. The
    conversation's ticket id is kept (re-read on every refresh, which every poke about a merge causes).
    """

    session: ChatSession | None = None
    cursor = 0  # every message up to this id has been sent to the widget
    ticket_id: int | None = None  # the chat's conversation ticket, as of the last refresh
    own_pokes = 0  # pokes still to come for messages this socket stored and already sent back
    timer: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.joined: set[str] = set()
        self.sent: set[int] = set()  # ids above the cursor already sent (the visitor's own messages)
        key = self.scope["url_route"]["kwargs"]["key"]
        self.widget = await db(lambda: ChatWidget.objects.filter(public_key=key, active=True).first())()
        origin, host = header(self.scope, b"origin"), header(self.scope, b"host")
        if self.widget is None or not self.widget.allows_origin(origin, own_host=host):
            await self.close(code=CLOSE_FORBIDDEN)  # before accept: the handshake is refused
            return
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.timer is not None:
            self.timer.cancel()
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "bad_request", "message": _("Unknown request.")})
            return
        if self.session is None:
            await self.hello(content)
            return
        try:
            if content.get("type") == "typing" and self.ticket_id is not None:
                outcome = self.handle(content)  # no database work: nothing to wait for
            else:
                outcome = await db(self.handle)(content)
        except BadInput as error:
            await self.send_json(
                {
                    "type": "error",
                    "code": error.code,
                    "message": str(error),
                    "client_id": content.get("client_id"),
                }
            )
            return
        if outcome.own_message is not None and outcome.own_message > self.cursor:
            self.sent.add(outcome.own_message)
        if outcome.own_message_new:
            self.own_pokes += 1
        for reply in outcome.replies:
            await self.send_json(reply)
        for event in outcome.ticket_events:
            await self.channel_layer.group_send(live.ticket_group(event["ticket"]), event)
        for event in outcome.session_events:
            await self.channel_layer.group_send(self.session.group, event)
        if outcome.sync:
            await self.refresh()

    async def hello(self, content: dict[str, Any]) -> None:
        if content.get("type") != "hello":
            await self.send_json({"type": "error", "code": "unauthorised", "message": _("Say hello first.")})
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        session = await db(session_for_token)(content.get("token"), self.widget)
        if session is None:
            message = _("This chat is not available any more. Start a new chat.")
            await self.send_json({"type": "error", "code": "unauthorised", "message": message})
            await self.close(code=CLOSE_UNAUTHORISED)
            return
        self.session = session
        # after 0: the widget shows nothing yet (a new page): it gets the conversation's recent history.
        self.cursor = whole_number(content.get("after"))
        await self.join(session.group)
        await self.refresh(welcome=True)

    def handle(self, content: dict[str, Any]) -> visitor.Outcome:
        assert self.session is not None
        if content.get("type") not in ("message", "typing"):
            # A message re-reads the session under a row lock; typing needs nothing fresh.
            self.session.refresh_from_db()
        # Refusals are read by the visitor: in the language they chose in the widget.
        with translation.override(self.session.language or "id"):
            return visitor.handle(self.session, content, ticket_id=self.ticket_id)

    def snapshot(self, welcome: bool) -> tuple[dict[str, Any], list[dict[str, Any]], int | None, bool]:
        assert self.session is not None
        self.session.refresh_from_db()
        if welcome:
            messages, earlier = visitor.window(self.session, self.cursor)
        else:
            messages, earlier = visitor.messages_after(self.session, self.cursor), False
        return (
            visitor.state(self.session),
            [visitor.serialize(message, self.session) for message in messages if message.pk not in self.sent],
            visitor.conversation_ticket_id(self.session),
            earlier,
        )

    async def refresh(self, *, welcome: bool = False) -> None:
        """Send the chat's state and every message after the cursor; follow the chat's ticket."""
        self.own_pokes = 0  # whatever those pokes would have brought, this brings
        state, messages, ticket_id, earlier = await db(self.snapshot)(welcome)
        self.ticket_id = ticket_id
        if ticket_id is not None:
            await self.join(live.ticket_group(ticket_id))
        frame: dict[str, Any] = {"type": "welcome" if welcome else "state", "state": state}
        if welcome:
            frame["earlier"] = earlier
        await self.send_json(frame)
        for message in messages:
            if message["id"] > self.cursor:
                await self.send_json({"type": "message", "message": message})
        newest = max([self.cursor, *(m["id"] for m in messages), *self.sent])
        self.cursor = newest
        self.sent.clear()
        if state["no_answer_in"] is not None:
            self.schedule_refresh(state["no_answer_in"] + 1)

    def schedule_refresh(self, seconds: float) -> None:
        """Look again when the no-answer time is up, to offer leaving a message."""
        if self.timer is not None:
            self.timer.cancel()

        async def later() -> None:
            await asyncio.sleep(seconds)
            self.timer = None
            await self.refresh()

        self.timer = asyncio.ensure_future(later())

    async def join(self, group: str) -> None:
        if group not in self.joined:
            self.joined.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    # Channel-layer events -------------------------------------------------------------------------
    async def ticket_changed(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "customer_message" and self.own_pokes > 0:
            self.own_pokes -= 1  # our own message: the widget has it already
            return
        await self.refresh()

    async def chat_changed(self, event: dict[str, Any]) -> None:
        await self.refresh()

    async def ticket_typing(self, event: dict[str, Any]) -> None:
        if event.get("who") == "agent":
            await self.send_json({"type": "typing", "name": event.get("name", ""), "on": event.get("on")})

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "upto": event["upto"]})
