"""Routing: an available person at the level, least loaded first, round robin on ties, else the next level."""

from __future__ import annotations

import pytest

from escalation import actions
from escalation.models import Escalation, LevelRoster, Notification, Trigger
from escalation.tests.conftest import at, ticket_for
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


def test_on_the_calendar_an_offline_supervisor_is_on_duty_and_being_online_is_no_advantage(desk, clock):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    _presence(second, AgentProfile.Presence.ONLINE)
    _presence(desk.supervisor, AgentProfile.Presence.OFFLINE)
    assert _escalate(desk).assigned_to == desk.supervisor  # offline, but the team's desk is open
    assert _escalate(desk).assigned_to == second  # then load decides, not presence


def test_round_robin_gives_a_tie_to_whoever_was_assigned_one_longest_ago_not_the_oldest_account(desk, clock):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    assert desk.supervisor.pk < second.pk
    first, other = _escalate(desk), _escalate(desk)
    # Both answered (no open load on either); tono's last assignment is the older one.
    Escalation.objects.filter(pk=first.pk).update(assigned_to=second, assigned_at=at(2, 8), status="resolved")
    Escalation.objects.filter(pk=other.pk).update(
        assigned_to=desk.supervisor, assigned_at=at(2, 9), status="resolved"
    )
    assert _escalate(desk).assigned_to == second
    assert _escalate(desk).assigned_to == desk.supervisor  # then the load: tono has one open


def test_out_of_hours_the_least_loaded_team_supervisor_takes_it_and_the_team_is_told(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    second = make_user("tono", role=Role.SUPERVISOR, team=desk.team, is_staff=True)
    _escalate(desk)  # sari, during office hours
    clock.move_to(at(2, 20))  # the desk closed at 17.00: nobody is on duty at any level
    with django_capture_on_commit_callbacks(execute=True):
        escalation = _escalate(desk)
    assert (escalation.level, escalation.assigned_to) == (1, second)
    assert "Nobody on duty" in escalation.logs.get(action="routed").note
    told = Notification.objects.filter(escalation=escalation, kind="unstaffed")
    assert set(told.values_list("user__username", flat=True)) == {"sari"}  # tono has it assigned
    assert any(m.to == [desk.supervisor.email] for m in mailoutbox)
    assert not Notification.objects.filter(escalation=escalation, user=desk.head).exists()


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


def test_with_nobody_at_any_level_it_waits_unassigned_and_the_team_and_the_top_are_told(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    for user in (desk.supervisor, desk.manager, desk.head):
        _presence(user, AgentProfile.Presence.AWAY)
    with django_capture_on_commit_callbacks(execute=True):
        escalation = _escalate(desk)
    assert (escalation.level, escalation.assigned_to) == (1, None)
    assert Escalation.objects.filter(assigned_to__isnull=True).count() == 1
    told = Notification.objects.filter(escalation=escalation, kind="unstaffed")
    assert set(told.values_list("user__username", flat=True)) == {"sari", "root"}
    assert {m.to[0] for m in mailoutbox} >= {desk.supervisor.email, desk.head.email}
