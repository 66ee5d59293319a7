"""The visitor's WebSocket (ws/chat/<public key>/), and what both chat sockets share.

The visitor socket and the agent socket (agent_consumer.py) treat channel-layer events as pokes and read
what changed from the database, so a socket that missed events catches up on the next poke, ping or
reconnect (with the id of the last message it has).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

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
# A person types a few messages a minute; a script flooding one chat is slowed down.
MESSAGES_PER_WINDOW, WINDOW_SECONDS = 20, 10.0


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
    """A chat widget on a merchant's page. Authenticated by the signed visitor token, not by cookie."""

    session: ChatSession | None = None
    cursor = 0  # the highest message id this socket has sent
    timer: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.joined: set[str] = set()
        self.recent: list[float] = []
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
        if content.get("type") in ("message", "leave_message") and self.flooding():
            message = _("You are sending messages too fast. Please wait a moment.")
            await self.send_json(
                {
                    "type": "error",
                    "code": "slow_down",
                    "message": message,
                    "client_id": content.get("client_id"),
                }
            )
            return
        try:
            outcome = await db(self.handle)(content)
        except BadInput as error:
            await self.send_json(
                {
                    "type": "error",
                    "code": "bad_request",
                    "message": str(error),
                    "client_id": content.get("client_id"),
                }
            )
            return
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
        self.cursor = whole_number(content.get("after"))
        await self.join(session.group)
        await self.refresh(welcome=True)

    def flooding(self) -> bool:
        now = asyncio.get_running_loop().time()
        self.recent = [moment for moment in self.recent if now - moment < WINDOW_SECONDS]
        self.recent.append(now)
        return len(self.recent) > MESSAGES_PER_WINDOW

    def handle(self, content: dict[str, Any]) -> visitor.Outcome:
        assert self.session is not None
        self.session.refresh_from_db()
        # Refusals are read by the visitor: in the language they chose in the widget.
        with translation.override(self.session.language or "id"):
            return visitor.handle(self.session, content)

    def snapshot(self) -> tuple[dict[str, Any], list[dict[str, Any]], int | None]:
        assert self.session is not None
        self.session.refresh_from_db()
        messages = visitor.messages_after(self.session, self.cursor)
        return (
            visitor.state(self.session),
            [visitor.serialize(message, self.session) for message in messages],
            visitor.conversation_ticket_id(self.session),
        )

    async def refresh(self, *, welcome: bool = False) -> None:
        """Send the chat's state and every message after the cursor; follow the chat's ticket."""
        state, messages, ticket_id = await db(self.snapshot)()
        if ticket_id is not None:
            await self.join(live.ticket_group(ticket_id))
        await self.send_json({"type": "welcome" if welcome else "state", "state": state})
        for message in messages:
            if message["id"] > self.cursor:
                self.cursor = message["id"]
                await self.send_json({"type": "message", "message": message})
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
        await self.refresh()

    async def chat_changed(self, event: dict[str, Any]) -> None:
        await self.refresh()

    async def ticket_typing(self, event: dict[str, Any]) -> None:
        if event.get("who") == "agent":
            await self.send_json({"type": "typing", "name": event.get("name", ""), "on": event.get("on")})

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "upto": event["upto"]})
