"""Routing new chats to agents: the widget's team, agents online with their desk open, under their
concurrent-chat limit; the least loaded first, and among equals the one who got a chat longest ago.

Chats nobody could take wait unassigned; ``route_waiting`` retries when an agent comes online or connects,
and the periodic sweep retries too. Assignment itself is ``tickets.actions.assign``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from channels_intake.chat.models import ChatSession
from channels_intake.chat.presence import ACTIVE_CHAT_STATUSES, chat_load, fresh_connection_filter
from tickets import actions
from tickets.models import AgentProfile

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def pick_agent(team_id: int) -> Any | None:
    """The agent who should take the team's next chat, or None if nobody can.

    Call inside a transaction: it locks the team's available agent profiles, so two chats routed at the
    same moment cannot both take an agent's last free slot.
    """
    profiles = list(
        AgentProfile.objects.select_for_update(of=("self",))
        .filter(teams=team_id, presence=AgentProfile.Presence.ONLINE, user__is_active=True)
        .filter(fresh_connection_filter("user__"))
        .select_related("user")
        .order_by("pk")
    )
    if not profiles:
        return None
    load = chat_load([profile.user_id for profile in profiles])
    free = [profile for profile in profiles if load.get(profile.user_id, 0) < profile.max_concurrent_chats]
    if not free:
        return None
    last_routed = dict(
        ChatSession.objects.filter(routed_to__in=[profile.user_id for profile in free])
        .values("routed_to")
        .annotate(last=Max("routed_at"))
        .values_list("routed_to", "last")
    )
    chosen = min(
        free,
        key=lambda profile: (
            load.get(profile.user_id, 0),
            last_routed.get(profile.user_id) or _NEVER,
            profile.pk,
        ),
    )
    return chosen.user


def route_chat(session_id: int) -> Any | None:
    """Assign the chat's ticket if it is live and unassigned; returns the agent, or None if it waits."""
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .select_related("widget", "ticket")
            .filter(pk=session_id)
            .first()
        )
        if session is None or not session.is_live or session.ticket is None:
            return None
        ticket = session.ticket
        if ticket.assignee_id or ticket.merged_into_id or ticket.status not in ACTIVE_CHAT_STATUSES:
            return None
        agent = pick_agent(session.widget.team_id)
        if agent is None:
            return None
        actions.assign(ticket, agent=agent, by=None)
        session.routed_to = agent
        session.routed_at = timezone.now()
        session.save(update_fields=["routed_to", "routed_at"])
    return agent


def waiting_sessions(team_ids: list[int] | None = None) -> Any:
    """Live chats with a ticket nobody has taken yet, oldest first."""
    sessions = ChatSession.objects.filter(
        ended_at__isnull=True,
        mode=ChatSession.Mode.LIVE,
        ticket__isnull=False,
        ticket__assignee__isnull=True,
        ticket__merged_into__isnull=True,
        ticket__status__in=ACTIVE_CHAT_STATUSES,
    ).order_by("created_at", "pk")
    if team_ids is not None:
        sessions = sessions.filter(widget__team_id__in=team_ids)
    return sessions


def route_waiting(team_ids: list[int] | None = None, *, limit: int = 50) -> int:
    """Offer waiting chats again (an agent came online, connected, or finished a chat).

    A chat that cannot be routed does not stop the others: it may have been taken or ended meanwhile,
    so only a team that has no agent free at all (pick_agent finds nobody) is skipped for the rest.
    """
    routed = 0
    full_teams: set[int] = set()
    for session_id, team_id in waiting_sessions(team_ids).values_list("pk", "widget__team_id")[:limit]:
        if team_id in full_teams:
            continue
        if route_chat(session_id) is not None:
            routed += 1
        elif not _has_free_agent(team_id):
            full_teams.add(team_id)
    return routed


def _has_free_agent(team_id: int) -> bool:
    with transaction.atomic():
        return pick_agent(team_id) is not None
