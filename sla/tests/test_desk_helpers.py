"""What the desk uses: badges (one query per page), breaching-soon order, breached / at-risk filters."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from sla.models import SlaClock
from sla.queries import at_risk, breached, breaching_soon, with_running_clock, with_sla_clocks
from sla.schedules import next_opening
from sla.tests.helpers import frozen, local, ticket_at, wib
from tickets import actions
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

BADGES = Template(
    "{% load sla_tags %}{% for ticket in tickets %}<li>{% sla_badges ticket %}</li>{% endfor %}"
)


def four_tickets(personas):
    """Email tickets at Monday 09.00 / 09.30 / 10.40 (first response due 11.00 / 11.30 / 12.40) and a
    paused one; the clock then reads Monday 11.20."""
    overdue = ticket_at(wib(2025, 11, 17, 9, 0), channel="email", sender="a@example.test")
    warned = ticket_at(wib(2025, 11, 17, 9, 30), channel="email", sender="b@example.test")
    running = ticket_at(wib(2025, 11, 17, 10, 40), channel="email", sender="c@example.test")
    paused = ticket_at(wib(2025, 11, 17, 10, 0), channel="email", sender="d@example.test")
    with frozen(wib(2025, 11, 17, 10, 15)):
        actions.change_status(paused, status=Status.PENDING, by=personas.agent)
    return overdue, warned, running, paused


def test_badges_for_a_page_of_tickets_cost_one_query_and_read_like_the_workspace(
    personas, django_assert_num_queries
):
    four_tickets(personas)
    # Two queries: the tickets, then every clock on the page.
    with frozen(wib(2025, 11, 17, 11, 20)), django_assert_num_queries(2):
        tickets = list(with_sla_clocks(Ticket.objects.order_by("pk")))
        html = BADGES.render(Context({"tickets": tickets}))
    rows = html.split("<li>")[1:]
    assert "overdue 20m" in rows[0] and "sla-overdue" in rows[0]
    assert "due in 10m" in rows[1] and "sla-warning" in rows[1]
    assert "due in 1h 20m" in rows[2] and "sla-running" in rows[2]
    assert "paused" in rows[3] and "sla-paused" in rows[3]
    assert "First response" in rows[0]


def test_badges_of_a_ticket_without_prefetch_still_work_and_met_clocks_show_none(personas):
    ticket = ticket_at(wib(2025, 11, 17, 9, 0), channel="email")
    with frozen(wib(2025, 11, 17, 9, 10)):
        assert "due in 1h 50m" in BADGES.render(Context({"tickets": [ticket]}))
        actions.reply(ticket, by=personas.agent, text="Halo")
        assert "sla-badge" not in BADGES.render(Context({"tickets": [ticket]}))


def test_breaching_soon_orders_by_due_time_and_the_filters_pick_breached_and_at_risk(personas):
    overdue, warned, running, _paused = four_tickets(personas)
    now = wib(2025, 11, 17, 11, 20)
    soon = list(breaching_soon(Ticket.objects.all()))
    assert soon == [overdue, warned, running]  # paused: nothing can fall due
    assert local(soon[0].sla_next_due) == wib(2025, 11, 17, 11, 0)
    assert list(breached(Ticket.objects.all(), now=now)) == [overdue]
    assert list(at_risk(Ticket.objects.all(), now=now)) == [warned]


def test_a_ticket_with_two_running_clocks_is_listed_once_at_its_soonest(personas):
    overdue, warned, running, _paused = four_tickets(personas)
    SlaClock.objects.create(
        ticket=running,
        target="resolution",
        name="Resolution",
        kind="resolution",
        clock="calendar",
        started_at=wib(2025, 11, 17, 10, 40),
        due_at=wib(2025, 11, 17, 10, 50),
    )
    soon = list(breaching_soon(Ticket.objects.all()))
    assert soon == [running, overdue, warned]
    assert local(soon[0].sla_next_due) == wib(2025, 11, 17, 10, 50)
    assert set(with_running_clock(Ticket.objects.all())) == {running, overdue, warned}


def test_the_ticket_panel_shows_business_time_left_and_time_taken(personas):
    ticket = ticket_at(wib(2025, 11, 14, 20, 30), channel="email")  # Friday evening
    panel = Template("{% load sla_tags %}{% sla_panel ticket %}")
    with frozen(wib(2025, 11, 14, 22, 0)):
        html = panel.render(Context({"ticket": ticket}))
    assert "Running" in html and "1h 30m" in html  # 30 min used on Friday; 1 h 30 business min left
    with frozen(wib(2025, 11, 15, 9, 15)):
        actions.reply(ticket, by=personas.agent, text="Halo")
        html = panel.render(Context({"ticket": ticket}))
    assert "Met" in html and "45 min" in html


def test_next_opening_tells_the_chat_widget_when_the_desk_opens_again(personas):
    opens = next_opening(at=wib(2025, 11, 15, 7, 0))
    assert opens == wib(2025, 11, 15, 9, 0)  # Saturday, default preset
    assert (opens.hour, opens.tzname()) == (9, "WIB")  # in the calendar's time zone, ready to show
    assert next_opening(personas.team.pk, at=wib(2025, 11, 17, 12, 0)) == wib(2025, 11, 17, 12, 0)


def test_seeded_target_and_policy_names_read_in_the_agents_language_and_an_admins_own_names_as_written(
    personas,
):
    from django.utils import translation

    from sla.badges import badges, panel
    from sla.models import SlaTarget

    ticket = ticket_at(wib(2025, 11, 17, 9, 0), channel="email")
    with frozen(wib(2025, 11, 17, 9, 10)), translation.override("id"):
        clocks = list(SlaClock.objects.filter(ticket=ticket).select_related("policy"))
        assert [badge.name for badge in badges(clocks)] == ["Respons pertama"]
        (row,) = panel(clocks)
        assert (row.name, row.policy) == ("Respons pertama", "Email")
    SlaTarget.objects.filter(policy__name="Email", key="first_response").update(name="Balasan awal email")
    SlaClock.objects.filter(ticket=ticket).update(name="Balasan awal email")
    with frozen(wib(2025, 11, 17, 9, 10)), translation.override("en"):
        clocks = list(SlaClock.objects.filter(ticket=ticket).select_related("policy"))
        assert [badge.name for badge in badges(clocks)] == ["Balasan awal email"]
