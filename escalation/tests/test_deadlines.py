"""Review and dispute dates follow the team's business calendar (sla.calendar does the counting)."""

from __future__ import annotations

import pytest

from escalation import actions, deadlines, routing
from escalation.models import Trigger
from escalation.tests.conftest import at, ticket_for
from tickets.models import AgentProfile, Team

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(2, 10), at(4, 10)),  # Monday → Wednesday, same time
        (at(6, 16, 30), at(10, 16, 30)),  # Friday → Tuesday: the weekend does not count
        (at(7, 11), at(11, 8)),  # Saturday (closed) counts from Monday's opening
        (at(2, 19), at(5, 8)),  # Monday evening (closed) counts from Tuesday 08.00
        (at(18, 10), at(23, 10)),  # Nyepi (Thu 19) and the weekend do not count
    ],
)
def test_the_review_is_due_two_working_days_later_on_the_teams_calendar(desk, start, due):
    assert deadlines.review_due(desk.team, start) == due


def test_a_team_on_the_default_calendar_works_weekends_too(desk):
    other = Team.objects.create(name="Tim Penjual", slug="sellers")
    # sla's default preset: Mon–Fri 08–21, Sat–Sun and holidays 09–17.
    assert deadlines.review_due(other, at(6, 10)) == at(8, 10)


def test_the_escalation_records_the_due_time_of_its_own_team(desk, clock):
    clock.move_to(at(6, 16, 30))
    escalation = actions.escalate(ticket_for(desk), reason=Trigger.AGENT_REQUEST)
    assert escalation.review_due == at(10, 16, 30)


def test_on_a_saturday_nobody_is_on_duty_even_online(desk, clock):
    AgentProfile.objects.filter(user=desk.supervisor).update(presence=AgentProfile.Presence.ONLINE)
    assert routing.available(desk.team, 1, at=at(2, 11)).get() == desk.supervisor
    assert deadlines.desk_open(desk.team, at(7, 11)) is False
    assert not routing.available(desk.team, 1, at=at(7, 11)).exists()


def test_a_late_request_for_mediation_is_never_promised_a_date_in_the_past(desk, clock):
    ticket = ticket_for(desk, category_slug="dispute")
    assert deadlines.dispute_window_end(ticket) == at(5, 10)  # the sla clock: 3 days
    clock.move_to(at(16, 9))  # long after the sla evidence and decision clocks ran out
    evidence, decision = deadlines.dispute_deadlines(ticket, at(16, 9))
    assert (evidence, decision) == (at(19, 9), at(21, 9))
