"""Escalation test fixtures: a staffed desk (supervisor, manager, head) and a frozen Jakarta clock."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission, User
from django.utils import translation

from sla.models import BusinessCalendar, OpeningHours, TeamCalendar
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


def office_hours(team, *, name: str = "Office Mon–Fri 08.00–17.00") -> BusinessCalendar:  # type: ignore[no-untyped-def]
    """A weekday calendar that closes on Indonesian public holidays, for ``team``."""
    calendar = BusinessCalendar.objects.create(name=name, time_zone="Asia/Jakarta", observe_holidays=True)
    for day in range(5):
        OpeningHours.objects.create(calendar=calendar, day=day, opens=dt.time(8), closes=dt.time(17))
    TeamCalendar.objects.create(team=team, calendar=calendar)
    return calendar


def supervisors_group() -> Group:
    """The group escalation's data migration sets up.

    A transactional test's flush empties it, and serialized_rollback cannot bring it back once the
    session's Playwright browser runs (Django then hands the test a fresh connection object without the
    serialized copy, and the flush skipped post_migrate expecting that copy), so it is recreated here
    from the migration's own list.
    """
    group = Group.objects.filter(name="Supervisors").first()
    if group is None:
        migration = importlib.import_module("escalation.migrations.0002_default_rules_and_supervisors")
        create_permissions(apps.get_app_config("escalation"), verbosity=0)  # the flush skipped post_migrate
        group = Group.objects.create(name="Supervisors")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="escalation", codename__in=migration.SUPERVISOR_PERMISSIONS
            )
        )
    return group


def make_desk() -> Desk:
    """The buyers team on office hours with a supervisor (Sari), a manager (Rudi) and the head (root)."""
    personas = make_personas()
    office_hours(personas.team)
    manager = make_user("rudi", role=Role.MANAGER, team=personas.team, is_staff=True, first_name="Rudi")
    head = personas.admin  # role HEAD, superuser
    group = supervisors_group()
    for user in (personas.supervisor, manager):
        user.groups.add(group)
    return Desk(personas=personas, manager=manager, head=head)


@pytest.fixture(autouse=True)
def english():
    """Tests read English text: pin it, so the Indonesian translation cannot change them."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):  # type: ignore[no-untyped-def]
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    # Customer pages follow the language switch's cookie, not the browser's Accept-Language.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


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
