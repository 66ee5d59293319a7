"""Agent presence: the status an agent chooses (online / away / offline) and whether their desk is open.

Routing offers chats only to agents who chose "online" AND have a workspace socket that answered recently
(AgentConnection), so a closed laptop does not keep receiving chats.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.chat.models import AgentConnection, ChatSession
from tickets import live
from tickets.models import AgentProfile, Channel, Status, Ticket

# Workspace sockets ping every 25 seconds; a connection silent for longer than this is gone.
CONNECTION_FRESH = dt.timedelta(seconds=90)
ACTIVE_CHAT_STATUSES = (Status.NEW, Status.OPEN)


# An agent's "replying" lasts this long unless renewed (live.js renews while they type, stops after 8 s).
TYPING_SECONDS = 10


class PresenceError(ValueError):
    pass


def _typing_key(ticket_id: int) -> str:
    return f"chat-agent-typing:{ticket_id}"


async def set_agent_typing(ticket_id: int, *, name: str, on: bool) -> None:
    """Remember that an agent types in a chat, for widgets that poll instead of holding a socket (a
    socket hears it on the channel layer)."""
    if on:
        await cache.aset(_typing_key(ticket_id), name, timeout=TYPING_SECONDS)
    else:
        await cache.adelete(_typing_key(ticket_id))


def agent_typing(ticket_id: int) -> str | None:
    """The name of the agent typing in the chat now, if any."""
    value = cache.get(_typing_key(ticket_id))
    return value if isinstance(value, str) else None


def set_presence(user: Any, status: str) -> None:
    """The agent's own choice; supervisors see it at once."""
    if status not in AgentProfile.Presence.values:
        raise PresenceError(_("Unknown status: %(status)s.") % {"status": status})
    profile = AgentProfile.objects.get(user=user)
    if profile.presence != status:
        profile.presence = status
        profile.save(update_fields=["presence"])
    live.send_to_groups(
        [live.PRESENCE_GROUP], {"type": "presence.changed", "user": user.pk, "status": status}
    )


def connected(user_id: int, channel_name: str) -> None:
    now = timezone.now()
    AgentConnection.objects.update_or_create(
        channel_name=channel_name, defaults={"user_id": user_id, "seen_at": now, "connected_at": now}
    )


def still_connected(channel_name: str) -> None:
    AgentConnection.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def disconnected(channel_name: str) -> None:
    AgentConnection.objects.filter(channel_name=channel_name).delete()


def forget_stale_connections() -> int:
    deleted, _rows = AgentConnection.objects.filter(seen_at__lt=timezone.now() - CONNECTION_FRESH).delete()
    return deleted


def fresh_connection_filter(prefix: str = "") -> Q:
    """Users (``prefix`` the path to the user) with a workspace socket that answered recently."""
    users = AgentConnection.objects.filter(seen_at__gte=timezone.now() - CONNECTION_FRESH).values("user_id")
    return Q(**{f"{prefix}pk__in": users})


def chat_load(user_ids: list[int]) -> dict[int, int]:
    """Live chats each agent is handling: assigned, still new/open, visitor still in the chat."""
    rows = (
        Ticket.objects.filter(
            assignee_id__in=user_ids,
            channel=Channel.CHAT,
            status__in=ACTIVE_CHAT_STATUSES,
            chat_sessions__ended_at__isnull=True,
            chat_sessions__mode=ChatSession.Mode.LIVE,
        )
        .values("assignee_id")
        .annotate(count=Count("pk", distinct=True))
    )
    return {row["assignee_id"]: row["count"] for row in rows}


@dataclass(frozen=True)
class BoardRow:
    user: Any
    presence: str
    presence_label: str
    connected: bool
    chats: int
    max_chats: int


def board(team_ids: list[int] | None = None) -> list[BoardRow]:
    """Every agent (of ``team_ids``) with status, whether their desk is open and their chat load."""
    queryset = (
        get_user_model()
        .objects.filter(is_active=True, agent__isnull=False)
        .select_related("agent")
        .order_by("first_name", "username")
    )
    if team_ids is not None:
        queryset = queryset.filter(agent__teams__in=team_ids).distinct()
    users = list(queryset)
    fresh = set(
        AgentConnection.objects.filter(seen_at__gte=timezone.now() - CONNECTION_FRESH).values_list(
            "user_id", flat=True
        )
    )
    load = chat_load([user.pk for user in users])
    return [
        BoardRow(
            user=user,
            presence=user.agent.presence,
            presence_label=str(AgentProfile.Presence(user.agent.presence).label),
            connected=user.pk in fresh,
            chats=load.get(user.pk, 0),
            max_chats=user.agent.max_concurrent_chats,
        )
        for user in users
    ]
