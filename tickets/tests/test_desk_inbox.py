"""The inbox: queues, filters, sorting, pagination and a fixed number of queries per page."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import customer_ticket
from tickets import actions, queues
from tickets.models import Category, Priority, Status, Team

pytestmark = pytest.mark.django_db


def listed(response) -> set[str]:
    """The references of the tickets on an inbox page."""
    return {ticket.reference for ticket in response.context["page"].object_list}


def ticket_from(address: str, subject: str, **kwargs):
    return customer_ticket(subject, subject=subject, sender=address, name=address.split("@")[0], **kwargs)


@pytest.fixture
def desk(personas):
    """One ticket in each situation the queues tell apart."""
    mine = ticket_from("a@example.test", "Assigned to Alice")
    actions.assign(mine, agent=personas.agent, by=personas.agent)
    theirs = ticket_from("b@example.test", "Assigned to Bima")
    actions.assign(theirs, agent=personas.teammate, by=personas.agent)
    unassigned = ticket_from("c@example.test", "Nobody has this")
    pending = ticket_from("d@example.test", "Waiting on customer")
    actions.change_status(pending, status=Status.PENDING, by=personas.agent)
    held = ticket_from("e@example.test", "Waiting on courier")
    actions.change_status(held, status=Status.ON_HOLD, hold_reason="courier", by=personas.agent)
    resolved = ticket_from("f@example.test", "Solved yesterday")
    actions.change_status(resolved, status=Status.RESOLVED, by=personas.agent)
    old = ticket_from("g@example.test", "Solved long ago")
    actions.change_status(old, status=Status.RESOLVED, by=personas.agent)
    type(old).objects.filter(pk=old.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))
    return {
        "mine": mine,
        "theirs": theirs,
        "unassigned": unassigned,
        "pending": pending,
        "held": held,
        "resolved": resolved,
        "old": old,
    }


def refs(desk, *names):
    return {desk[name].reference for name in names}


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", ["mine"]),
        ("unassigned", ["unassigned", "pending", "held"]),
        ("open", ["mine", "theirs", "unassigned", "pending", "held"]),
        ("pending", ["pending"]),
        ("on_hold", ["held"]),
        ("resolved", ["resolved"]),
        ("all", ["mine", "theirs", "unassigned", "pending", "held", "resolved", "old"]),
    ],
)
def test_each_queue_lists_its_tickets(agent_client, desk, view, expected):
    response = agent_client.get("/desk/", {"view": view})
    assert response.status_code == 200
    assert listed(response) == refs(desk, *expected)


def test_the_default_queue_is_the_agents_own_tickets(agent_client, desk):
    assert listed(agent_client.get("/desk/")) == refs(desk, "mine")


def test_the_navigation_shows_the_count_of_each_queue(agent_client, desk):
    response = agent_client.get("/desk/")
    counts = {queue.slug: count for queue, count in response.context["nav_queues"]}
    assert counts == {
        "mine": 1,
        "unassigned": 3,
        "open": 5,
        "pending": 1,
        "on_hold": 1,
        "resolved": 1,
        "breaching": None,
        "all": None,
    }
    assert b'<span class="count">5</span>' in response.content


def test_filters_narrow_the_queue(agent_client, desk, personas):
    other_team = Team.objects.create(name="Tim Penjual", slug="sellers")
    refund = Category.objects.get(slug="refund")
    actions.set_category(desk["unassigned"], category=refund, by=personas.agent)
    actions.set_priority(desk["pending"], priority=Priority.URGENT, by=personas.agent)
    actions.set_team(desk["held"], team=other_team, by=personas.agent)
    actions.set_tags(desk["theirs"], names=["vip", "ongkir"], by=personas.agent)
    whatsapp = customer_ticket("Halo kak", channel="whatsapp", kind="phone", sender="+6281234567890")

    def open_with(**params):
        return listed(agent_client.get("/desk/", {"view": "open", **params}))

    assert open_with(status="pending") == refs(desk, "pending")
    assert open_with(category="refund") == refs(desk, "unassigned")
    assert open_with(priority="urgent") == refs(desk, "pending")
    assert open_with(team=other_team.pk) == refs(desk, "held")
    assert open_with(team="none") == {
        ticket.reference
        for ticket in (desk["mine"], desk["theirs"], desk["unassigned"], desk["pending"], whatsapp)
    }
    assert open_with(assignee=personas.teammate.pk) == refs(desk, "theirs")
    assert open_with(assignee="me") == refs(desk, "mine")
    assert open_with(assignee="none") == refs(desk, "unassigned", "pending", "held") | {whatsapp.reference}
    assert open_with(tag="ongkir") == refs(desk, "theirs")
    assert open_with(channel="whatsapp") == {whatsapp.reference}
    assert open_with(channel="whatsapp", assignee="me") == set()


def test_an_invalid_filter_is_reported_and_left_out(agent_client, desk):
    response = agent_client.get("/desk/", {"view": "open", "priority": "whenever", "status": "pending"})
    assert response.status_code == 200
    assert b"alert-error" in response.content
    assert "Priority" in response.content.decode()
    assert listed(response) == refs(desk, "pending")


def test_tickets_sort_by_activity_creation_or_priority(agent_client, desk, personas):
    actions.set_priority(desk["unassigned"], priority=Priority.URGENT, by=personas.agent)
    actions.set_priority(desk["held"], priority=Priority.HIGH, by=personas.agent)
    actions.add_note(desk["mine"], by=personas.agent, text="latest activity")

    def order(sort):
        page = agent_client.get("/desk/", {"view": "open", "sort": sort}).context["page"]
        return [ticket.pk for ticket in page.object_list]

    assert order("updated")[0] == desk["mine"].pk
    assert order("priority")[:2] == [desk["unassigned"].pk, desk["held"].pk]
    created = order("created")
    assert created == sorted(created, reverse=True)


def test_pages_split_a_long_queue(agent_client, personas):
    tickets = [ticket_from(f"p{n}@example.test", f"Pesanan nomor {n}") for n in range(12)]
    first = agent_client.get("/desk/", {"view": "open", "per_page": 10})
    second = agent_client.get("/desk/", {"view": "open", "per_page": 10, "page": 2})
    assert len(first.context["page"].object_list) == 10
    assert len(second.context["page"].object_list) == 2
    assert listed(first) | listed(second) == {ticket.reference for ticket in tickets}
    assert b"Page 1 of 2" in first.content
    assert b"page=2" in first.content and b"per_page=10" in first.content


def test_a_page_costs_the_same_number_of_queries_at_10_and_100_rows(
    agent_client, personas, django_assert_max_num_queries
):
    refund = Category.objects.get(slug="refund")
    for n in range(110):
        ticket = customer_ticket(
            f"Pesanan {n} belum sampai",
            subject=f"Order {n}",
            sender=f"buyer{n}@example.test",
            name=f"Buyer {n}",
            order_ref=f"INV/{n:05d}",
        )
        if n % 3 == 0:
            actions.set_tags(ticket, names=["ongkir", f"batch-{n % 5}"], by=personas.agent)
            actions.set_category(ticket, category=refund, by=personas.agent)
        if n % 4 == 0:
            actions.assign(ticket, agent=personas.teammate, by=personas.agent)
    counts = {}
    for size in (10, 100):
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            response = agent_client.get("/desk/", {"view": "open", "per_page": size, "sort": "priority"})
        assert len(response.context["page"].object_list) == size
        assert b"ongkir" in response.content
        counts[size] = len(queries)
    assert counts[10] == counts[100]


@pytest.mark.parametrize("limit", [1000, 5], ids=["few matches", "more matches than the count limit"])
def test_a_searched_and_filtered_page_also_costs_a_fixed_number_of_queries(
    agent_client, personas, django_assert_max_num_queries, monkeypatch, limit
):
    monkeypatch.setattr(queues, "COUNT_LIMIT", limit)
    for n in range(30):
        customer_ticket("paket rusak", subject=f"Paket {n}", sender=f"x{n}@example.test")
    counts = {}
    for size in (10, 25):
        with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(15):
            response = agent_client.get(
                "/desk/", {"view": "all", "q": "paket", "assignee": "none", "per_page": size}
            )
        assert len(response.context["page"].object_list) == size
        counts[size] = len(queries)
    assert counts[10] == counts[25]


@pytest.mark.parametrize("limit", [1000, 10], ids=["few matches", "more matches than the count limit"])
def test_search_results_are_the_newest_activity_first_and_counted(agent_client, personas, monkeypatch, limit):
    # Few matches are fetched by id and sorted; many are read in index order: the same page either way.
    monkeypatch.setattr(queues, "COUNT_LIMIT", limit)
    tickets = [ticket_from(f"s{n}@example.test", f"Saldo belum masuk {n}") for n in range(12)]
    ticket_from("other@example.test", "Pesanan lain")
    actions.add_note(tickets[2], by=personas.agent, text="cek mutasi")  # the latest activity
    expected = [tickets[2].pk] + [ticket.pk for ticket in reversed(tickets) if ticket != tickets[2]]
    first = agent_client.get("/desk/", {"view": "all", "q": "saldo", "per_page": 10}).context["page"]
    assert [ticket.pk for ticket in first.object_list] == expected[:10]
    assert first.paginator.count == min(12, limit + 1)
    assert first.paginator.capped is (limit < 12)
    second = agent_client.get("/desk/", {"view": "all", "q": "saldo", "per_page": 10, "page": 2})
    assert [ticket.pk for ticket in second.context["page"].object_list] == expected[10:]


def test_counts_stop_at_the_limit_and_say_there_are_more(agent_client, desk, personas, monkeypatch):
    # At a million tickets an exact count reads every open row; the desk stops at COUNT_LIMIT.
    for name in ("mine", "theirs", "unassigned", "pending", "held"):
        actions.set_team(desk[name], team=personas.team, by=personas.agent)
    monkeypatch.setattr(queues, "COUNT_LIMIT", 3)
    response = agent_client.get("/desk/", {"view": "open", "per_page": 10})
    counts = {queue.slug: count for queue, count in response.context["nav_queues"]}
    assert counts["open"] == 4 and counts["unassigned"] == 3 and counts["mine"] == 1
    assert b'<span class="count">3+</span>' in response.content
    assert b'<span class="count">3</span>' in response.content
    assert b"More than 3 tickets" in response.content
    assert len(response.context["page"].object_list) == 5  # the page itself is not cut short
    assert {team.pk: team.open_count for team in response.context["nav_teams"]} == {personas.team.pk: 4}


def test_an_exact_count_is_shown_up_to_the_limit(agent_client, desk, monkeypatch):
    monkeypatch.setattr(queues, "COUNT_LIMIT", 5)
    response = agent_client.get("/desk/", {"view": "open"})
    assert b"5 tickets" in response.content and b"More than" not in response.content
    assert b'<span class="count">5</span>' in response.content
