"""Builders for test data, named for what a test needs (an agent, a customer's ticket)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from tickets import actions
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import AgentProfile, Role, Team, Ticket

PASSWORD = "correct horse battery staple"


@dataclass
class Personas:
    team: Team
    agent: User
    teammate: User
    supervisor: User
    outsider: User  # a logged-in user with no agent profile
    admin: User


def make_user(username: str, *, role: str | None = None, team: Team | None = None, **extra: Any) -> User:
    user = User.objects.create_user(username, f"{username}@example.test", PASSWORD, **extra)
    if role is not None:
        profile = AgentProfile.objects.create(user=user, role=role)
        if team is not None:
            profile.teams.add(team)
    return user


def make_personas() -> Personas:
    team = Team.objects.create(name="Tim Pembeli", slug="buyers")
    return Personas(
        team=team,
        agent=make_user("alice", role=Role.AGENT, team=team, first_name="Alice"),
        teammate=make_user("bima", role=Role.AGENT, team=team, first_name="Bima"),
        supervisor=make_user("sari", role=Role.SUPERVISOR, team=team, is_staff=True, first_name="Sari"),
        outsider=make_user("olga"),
        admin=make_user("root", role=Role.HEAD, is_staff=True, is_superuser=True),
    )


_counter = iter(range(1, 10**9))


def inbound(
    text: str = "Pesanan saya belum sampai",
    *,
    channel: str = "email",
    sender: str = "budi@example.test",
    kind: str = "email",
    name: str = "Budi Santoso",
    external_id: str | None = "auto",
    **fields: Any,
) -> InboundMessage:
    if external_id == "auto":
        external_id = f"<test-{next(_counter)}@example.test>"
    return InboundMessage(
        channel=channel,
        external_id=external_id,
        sender=SenderIdentity(kind=kind, address=sender, name=name),
        text=text,
        subject=fields.pop("subject", "Pesanan belum sampai"),
        **fields,
    )


def customer_ticket(text: str = "Pesanan saya belum sampai", **kwargs: Any) -> Ticket:
    return actions.receive_message(inbound(text, **kwargs)).ticket
