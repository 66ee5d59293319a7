"""Routing: an available person at the level, least loaded first, round robin on ties, else the next level."""

from __future__ import annotations

import pytest

from escalation import actions
from escalation.models import Escalation, LevelRoster, Trigger
from escalation.tests.conftest import ticket_for
from tests.factories import make_user
from tickets.models import AgentProfile, Role

pytestmark = pytest.mark.django_db


def _escalate(desk, **kwargs):  # type: ignore[no-untyped-def]
    return actions.escalate(ticket_for(desk), reason=Trigger.AGENT_REQUEST, **kwargs)


def _presence(user, presence: str) -> None:  # type: ignore[no-untyped-def]
    AgentProfile.objects.filter(user=user).update(presence=presence)


def test_escalations_go_to_the_least_loaded_supervisor_then_round_robin(desk, clock):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    first = _escalate(desk)
    assert first.assigned_to == desk.supervisor  # tie, never assigned: lowest id
    assert _escalate(desk).assigned_to == second  # sari has one open, tono none
    clock.shift(60)
    assert _escalate(desk).assigned_to == desk.supervisor  # tie on load: sari was assigned longest ago
    clock.shift(60)
    assert _escalate(desk).assigned_to == second


def test_a_supervisor_online_during_office_hours_is_preferred(desk, clock):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    _presence(second, AgentProfile.Presence.ONLINE)
    assert _escalate(desk).assigned_to == second
    assert _escalate(desk).assigned_to == second  # on duty beats fewer open escalations


def test_a_supervisor_marked_away_gets_nothing(desk, clock):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    _presence(desk.supervisor, AgentProfile.Presence.AWAY)
    assert {_escalate(desk).assigned_to for _ in range(3)} == {second}


def test_a_team_without_an_available_supervisor_goes_to_the_next_level(desk, clock):
    _presence(desk.supervisor, AgentProfile.Presence.AWAY)
    escalation = _escalate(desk)
    assert (escalation.level, escalation.assigned_to) == (2, desk.manager)
    assert "L1" in escalation.logs.get(action="routed").note


def test_a_roster_decides_who_serves_a_level_for_a_team(desk, clock):
    deputy = make_user("dina", role=Role.AGENT, team=desk.team)
    roster = LevelRoster.objects.create(team=desk.team, level=1)
    roster.members.add(deputy)
    assert _escalate(desk).assigned_to == deputy
    roster.members.clear()  # an empty roster skips the level for that team
    escalation = _escalate(desk)
    assert (escalation.level, escalation.assigned_to) == (2, desk.manager)


def test_with_nobody_at_any_level_it_waits_unassigned_in_the_queue(desk, clock):
    for user in (desk.supervisor, desk.manager, desk.head):
        _presence(user, AgentProfile.Presence.AWAY)
    escalation = _escalate(desk)
    assert (escalation.level, escalation.assigned_to) == (1, None)
    assert Escalation.objects.filter(assigned_to__isnull=True).count() == 1
