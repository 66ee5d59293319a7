"""The agent workspace socket (ws/desk/): live pokes for desk pages, collision detection, presence.

static/desk/live.js is its client. Like the visitor socket, it treats channel-layer events as pokes: the
page re-fetches server-rendered fragments, so nothing is lost when an event is.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from django.db.models import BigIntegerField, F, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext as _

from channels_intake.chat import assignment, presence
from channels_intake.chat.consumers import CLOSE_FORBIDDEN, JsonConsumer, db, whole_number
from channels_intake.chat.models import ChatSession
from tickets import access, live
from tickets.models import AgentProfile, Channel, Message, Ticket

# A change reaches a socket through at most four groups, at about the same time: the ids of the last
# few events forwarded are enough to forward each once.
FORWARDED_REMEMBERED = 32


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
    """Agents saw the chat's visitor messages up to ``upto``: (visitor group, mark) per chat session.

    The page sends this after every live fetch: one query when there is nothing new to mark, two when
    there is. A mark never goes beyond the ticket's newest message."""
    newest = Message.objects.filter(ticket_id=ticket_id).order_by("-pk").values("pk")[:1]
    mark = Least(Value(upto), Coalesce(Subquery(newest), Value(0)), output_field=BigIntegerField())
    rows = list(
        ChatSession.objects.filter(ticket_id=ticket_id)
        .annotate(mark=mark)
        .filter(agent_read_upto__lt=F("mark"))
        .values_list("pk", "mark")
    )
    if not rows:
        return []
    upto = rows[0][1]
    ChatSession.objects.filter(pk__in=[pk for pk, _mark in rows], agent_read_upto__lt=upto).update(
        agent_read_upto=upto
    )
    return [(ChatSession(pk=pk).group, upto) for pk, _mark in rows]


class AgentConsumer(JsonConsumer):
    """An agent's workspace page (static/desk/live.js). Session cookie; agents only.

    Frames from the page: watch {ticket}, inbox {scopes: ["all", "team:<id>", "mine"]}, replying {on},
    seen {ticket, upto}, presence {status}, ping {}. To the page: hello,
    changed {ticket, kind, message, parts, state} (tickets.live says what they mean),
    viewer {ticket, user, name, state}, typing {ticket, who, on}, presence {user, status}, error.
    """

    watching: int | None = None
    watching_chat = False  # the watched ticket is a chat (a visitor may be polling for typing)
    replying = False

    async def connect(self) -> None:
        self.joined: set[str] = set()
        self.forwarded: deque[str] = deque(maxlen=FORWARDED_REMEMBERED)  # ids of events sent to the page
        self.me = await db(agent_info)(self.scope.get("user"))
        if self.me is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        await db(presence.connected)(self.me["id"], self.channel_name)
        await self.join(live.user_group(self.me["id"]))
        if self.me["supervisor"]:
            await self.join(live.PRESENCE_GROUP)
        await self.send_json({"type": "hello", "user": self.me["id"], "presence": self.me["presence"]})
        if self.me["presence"] == AgentProfile.Presence.ONLINE:
            await db(assignment.route_waiting)(self.me["teams"])

    async def disconnect(self, code: int) -> None:
        if getattr(self, "me", None) is None:
            return
        await self.announce("left")
        await db(presence.disconnected)(self.channel_name)
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
        self.watching, self.replying, self.watching_chat = None, False, False
        if ticket_id is None:
            return
        channel = await db(
            lambda: Ticket.objects.filter(pk=ticket_id).values_list("channel", flat=True).first()
        )()
        if channel is None:
            return
        self.watching, self.watching_chat = ticket_id, channel == Channel.CHAT
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
        if self.watching_chat:
            await presence.set_agent_typing(self.watching, name=self.me["name"], on=self.replying)
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
        for group, mark in await db(mark_read_by_agent)(ticket_id, upto):
            await self.channel_layer.group_send(group, {"type": "chat.read", "upto": mark})

    async def on_presence(self, content: dict[str, Any]) -> None:
        status = str(content.get("status"))
        user = self.scope["user"]
        try:
            await db(presence.set_presence)(user, status)
        except presence.PresenceError as error:
            await self.send_json({"type": "error", "message": str(error)})
            return
        self.me["presence"] = status
        await self.send_json({"type": "presence", "user": self.me["id"], "status": status})
        if status == AgentProfile.Presence.ONLINE:
            await db(assignment.route_waiting)(self.me["teams"])

    async def on_ping(self, content: dict[str, Any]) -> None:
        await db(presence.still_connected)(self.channel_name)
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
        # A change reaches this socket once per group it shares with the change (the ticket, "mine",
        # a team, all): the page hears it once.
        event_id = event.get("id")
        if event_id:
            if event_id in self.forwarded:
                return
            self.forwarded.append(event_id)
        await self.send_json(
            {
                "type": "changed",
                "ticket": event["ticket"],
                "kind": event.get("kind", ""),
                "message": event.get("message"),
                "parts": event.get("parts") or list(live.OTHER_PARTS),
                "state": event.get("state", ""),
            }
        )

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
