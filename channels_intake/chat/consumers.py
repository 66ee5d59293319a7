"""WebSocket consumers: the visitor's widget (ws/chat/<public key>/) and the agent workspace (ws/desk/).

Both treat channel-layer events as pokes and read what changed from the database, so a socket that
missed events catches up on the next poke, ping or reconnect (with the id of the last message it has).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from channels_intake.chat import assignment, presence, visitor
from channels_intake.chat.adapter import BadInput
from channels_intake.chat.identity import session_for_token
from channels_intake.chat.models import ChatSession, ChatWidget
from tickets import access, live
from tickets.models import AgentProfile, Message, Ticket

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
# A person types a few messages a minute; a script flooding one chat is slowed down.
MESSAGES_PER_WINDOW, WINDOW_SECONDS = 20, 10.0


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
        self.widget = await database_sync_to_async(
            lambda: ChatWidget.objects.filter(public_key=key, active=True).first()
        )()
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
            outcome = await database_sync_to_async(self.handle)(content)
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
        session = await database_sync_to_async(session_for_token)(content.get("token"), self.widget)
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
        state, messages, ticket_id = await database_sync_to_async(self.snapshot)()
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


def agents_group(ticket_id: int) -> str:
    """Who is viewing or replying to a ticket: for agents only, never sent to the chat visitor."""
    return f"agents.ticket.{ticket_id}"


def agent_info(user: Any) -> dict[str, Any] | None:
    if not access.is_agent(user):
        return None
    profile = AgentProfile.objects.get(user=user)
    return {
        "id": user.pk,
        "name": user.first_name or user.get_username(),
        "supervisor": profile.is_supervisor,
        "teams": list(profile.teams.values_list("pk", flat=True)),
        "presence": profile.presence,
    }


def mark_read_by_agent(ticket_id: int, upto: int) -> list[tuple[str, int]]:
    """Agents saw the chat's visitor messages up to ``upto``: (visitor group, mark) per chat session."""
    last = Message.objects.filter(ticket_id=ticket_id).order_by("-pk").values_list("pk", flat=True).first()
    upto = min(upto, last or 0)
    sessions = list(ChatSession.objects.filter(ticket_id=ticket_id, agent_read_upto__lt=upto))
    ChatSession.objects.filter(pk__in=[s.pk for s in sessions]).update(agent_read_upto=upto)
    return [(session.group, upto) for session in sessions]


class AgentConsumer(JsonConsumer):
    """An agent's workspace page (static/desk/live.js). Session cookie; agents only.

    Frames from the page: watch {ticket}, inbox {scopes: ["all", "team:<id>", "mine"]}, replying {on},
    seen {ticket, upto}, presence {status}, ping {}. To the page: hello, changed {ticket, kind},
    viewer {ticket, user, name, state}, typing {ticket, who, on}, presence {user, status}, error.
    """

    watching: int | None = None
    replying = False

    async def connect(self) -> None:
        self.joined: set[str] = set()
        self.me = await database_sync_to_async(agent_info)(self.scope.get("user"))
        if self.me is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        await database_sync_to_async(presence.connected)(self.me["id"], self.channel_name)
        await self.join(live.user_group(self.me["id"]))
        if self.me["supervisor"]:
            await self.join(live.PRESENCE_GROUP)
        await self.send_json({"type": "hello", "user": self.me["id"], "presence": self.me["presence"]})
        if self.me["presence"] == AgentProfile.Presence.ONLINE:
            await database_sync_to_async(assignment.route_waiting)(self.me["teams"])

    async def disconnect(self, code: int) -> None:
        if getattr(self, "me", None) is None:
            return
        await self.announce("left")
        await database_sync_to_async(presence.disconnected)(self.channel_name)
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {
            "watch": self.on_watch,
            "inbox": self.on_inbox,
            "replying": self.on_replying,
            "seen": self.on_seen,
            "presence": self.on_presence,
            "ping": self.on_ping,
        }.get(str(kind))
        if handler is None:
            await self.send_json({"type": "error", "message": _("Unknown request.")})
            return
        await handler(content)

    async def on_watch(self, content: dict[str, Any]) -> None:
        ticket_id = whole_number(content.get("ticket")) or None
        if ticket_id == self.watching:
            return
        previous = self.watching
        if previous is not None:
            await self.announce("left")
            for group in (live.ticket_group(previous), agents_group(previous)):
                self.joined.discard(group)
                await self.channel_layer.group_discard(group, self.channel_name)
        self.watching, self.replying = None, False
        if (
            ticket_id is None
            or not await database_sync_to_async(Ticket.objects.filter(pk=ticket_id).exists)()
        ):
            return
        self.watching = ticket_id
        await self.join(live.ticket_group(ticket_id))
        await self.join(agents_group(ticket_id))
        await self.announce("viewing")
        await self.channel_layer.group_send(
            agents_group(ticket_id),
            {"type": "viewer.query", "ticket": ticket_id, "channel": self.channel_name},
        )

    async def on_inbox(self, content: dict[str, Any]) -> None:
        scopes = content.get("scopes")
        for item in scopes[:10] if isinstance(scopes, list) else []:
            scope = str(item)
            if scope == "all":
                await self.join(live.INBOX_ALL)
            elif scope == "mine":
                await self.join(live.user_group(self.me["id"]))
            elif scope.startswith("team:") and whole_number(scope[5:]):
                await self.join(live.team_group(whole_number(scope[5:])))

    async def on_replying(self, content: dict[str, Any]) -> None:
        if self.watching is None:
            return
        self.replying = bool(content.get("on"))
        await self.announce("replying" if self.replying else "viewing")
        await self.channel_layer.group_send(
            live.ticket_group(self.watching),
            {
                "type": "ticket.typing",
                "ticket": self.watching,
                "who": "agent",
                "name": self.me["name"],
                "on": self.replying,
            },
        )

    async def on_seen(self, content: dict[str, Any]) -> None:
        ticket_id, upto = whole_number(content.get("ticket")), whole_number(content.get("upto"))
        if not ticket_id or not upto:
            return
        for group, mark in await database_sync_to_async(mark_read_by_agent)(ticket_id, upto):
            await self.channel_layer.group_send(group, {"type": "chat.read", "upto": mark})

    async def on_presence(self, content: dict[str, Any]) -> None:
        status = str(content.get("status"))
        user = self.scope["user"]
        try:
            await database_sync_to_async(presence.set_presence)(user, status)
        except presence.PresenceError as error:
            await self.send_json({"type": "error", "message": str(error)})
            return
        self.me["presence"] = status
        await self.send_json({"type": "presence", "user": self.me["id"], "status": status})
        if status == AgentProfile.Presence.ONLINE:
            await database_sync_to_async(assignment.route_waiting)(self.me["teams"])

    async def on_ping(self, content: dict[str, Any]) -> None:
        await database_sync_to_async(presence.still_connected)(self.channel_name)
        if self.watching is not None:
            await self.announce("replying" if self.replying else "viewing")
        await self.send_json({"type": "pong"})

    async def announce(self, state: str) -> None:
        if self.watching is None:
            return
        await self.channel_layer.group_send(
            agents_group(self.watching),
            {
                "type": "viewer.state",
                "ticket": self.watching,
                "user": self.me["id"],
                "name": self.me["name"],
                "state": state,
                "channel": self.channel_name,
            },
        )

    async def join(self, group: str) -> None:
        if group not in self.joined:
            self.joined.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    # Channel-layer events -------------------------------------------------------------------------
    async def ticket_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "changed", "ticket": event["ticket"], "kind": event.get("kind", "")})

    async def ticket_typing(self, event: dict[str, Any]) -> None:
        if event.get("who") == "visitor":
            await self.send_json(
                {"type": "typing", "ticket": event["ticket"], "who": "visitor", "on": event.get("on")}
            )

    async def viewer_state(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name:
            await self.send_json(
                {key: event[key] for key in ("ticket", "user", "name", "state", "channel")}
                | {"type": "viewer"}
            )

    async def viewer_query(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name and self.watching == event["ticket"]:
            await self.announce("replying" if self.replying else "viewing")

    async def presence_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "presence", "user": event["user"], "status": event["status"]})
