"""Escalation test fixtures: a staffed desk (supervisor, manager, head) and a frozen Jakarta clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from tests.factories import Personas, customer_ticket, make_personas, make_user
from tickets.models import Role, Ticket

JAKARTA = ZoneInfo("Asia/Jakarta")
# A Monday with no Indonesian holiday in the two weeks after it.
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2026, Jakarta time (2 March is a Monday)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=JAKARTA)


@dataclass
class Desk:
    personas: Personas
    manager: User
    head: User

    @property
    def team(self):  # type: ignore[no-untyped-def]
        return self.personas.team

    @property
    def supervisor(self) -> User:
        return self.personas.supervisor

    @property
    def agent(self) -> User:
        return self.personas.agent


def make_desk() -> Desk:
    personas = make_personas()
    manager = make_user("rudi", role=Role.MANAGER, team=personas.team, is_staff=True, first_name="Rudi")
    head = personas.admin  # role HEAD, superuser
    group = Group.objects.get(name="Supervisors")
    for user in (personas.supervisor, manager):
        user.groups.add(group)
    return Desk(personas=personas, manager=manager, head=head)


@pytest.fixture
def desk(db) -> Desk:
    return make_desk()


@pytest.fixture
def clock():
    """Frozen at Monday 2 March 2026 10:00 in Jakarta; move it with clock.move_to(...)."""
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def ticket_for(desk: Desk, **kwargs) -> Ticket:  # type: ignore[no-untyped-def]
    kwargs.setdefault("team_slug", desk.team.slug)
    return customer_ticket(**kwargs)
