"""GET /api/tickets/: filters, search, ordering and a fixed number of queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import customer_ticket, inbound, make_user
from tickets import actions
from tickets.models import Channel, Priority, Role, Status, Team, Ticket

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def desk(personas):
    """Three tickets that differ in every filterable field."""
    sellers = Team.objects.create(name="Tim Penjual", slug="sellers")
    email = customer_ticket(
        "Paket saya belum sampai sejak Senin",
        subject="Paket belum sampai",
        order_ref="INV/20261118/MPL/3612345678",
        category_slug="not-received",
    )
    whatsapp = actions.receive_message(
        inbound(
            "Kak, saya mau refund",
            channel=Channel.WHATSAPP,
            kind="phone",
            sender="081234567890",
            name="Andi Wijaya",
            external_id="wamid.HBgMNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjA",
            subject="",
            category_slug="refund",
        )
    ).ticket
    seller = customer_ticket(
        "Dana penjualan belum cair",
        subject="Pencairan dana",
        sender="toko.maju@example.test",
        name="Toko Maju Jaya",
        category_slug="payment",
    )
    actions.assign(email, agent=personas.agent, by=personas.supervisor)
    actions.assign(whatsapp, agent=personas.teammate, by=personas.supervisor)
    actions.set_priority(whatsapp, priority=Priority.URGENT, by=personas.agent)
    actions.set_priority(seller, priority=Priority.LOW, by=personas.agent)
    actions.change_status(whatsapp, status=Status.PENDING, by=personas.agent)
    actions.set_team(seller, team=sellers, by=personas.agent)
    actions.set_team(email, team=personas.team, by=personas.agent)
    actions.set_tags(email, names=["kurir", "jne"], by=personas.agent)
    actions.set_tags(seller, names=["finance"], by=personas.agent)
    return {"email": email.pk, "whatsapp": whatsapp.pk, "seller": seller.pk, "personas": personas}


def test_a_row_shows_the_ticket_with_its_contact_assignee_and_tags(api, desk):
    row = next(r for r in api.get("/api/tickets/").json()["results"] if r["id"] == desk["email"])
    assert row["reference"] == f"#SD-{desk['email']}"
    assert row["subject"] == "Paket belum sampai"
    assert row["category"] == "not-received"
    assert row["team"] == "buyers"
    assert row["assignee"] == {"id": desk["personas"].agent.pk, "username": "alice", "name": "Alice"}
    assert row["contact"]["email"] == "budi@example.test"
    assert sorted(row["tags"]) == ["jne", "kurir"]
    assert row["status"] == Status.NEW


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=pending", ["whatsapp"]),
        ("status=new,pending", ["email", "whatsapp", "seller"]),
        ("category=refund", ["whatsapp"]),
        ("channel=whatsapp", ["whatsapp"]),
        ("priority=urgent,low", ["whatsapp", "seller"]),
        ("team=sellers", ["seller"]),
        ("assignee=me", ["email"]),
        ("assignee=none", ["seller"]),
        ("tag=kurir", ["email"]),
        ("tag=KURIR", ["email"]),
        ("status=new&team=buyers", ["email"]),
    ],
)
def test_the_list_filters_by(api, desk, query, expected):
    assert sorted(ids(api.get(f"/api/tickets/?{query}"))) == sorted(desk[name] for name in expected)


def test_the_list_filters_by_assignee_id_and_contact(api, desk):
    teammate = desk["personas"].teammate
    assert ids(api.get(f"/api/tickets/?assignee={teammate.pk}")) == [desk["whatsapp"]]
    contact_id = api.get(f"/api/tickets/{desk['seller']}/").json()["contact"]["id"]
    assert ids(api.get(f"/api/tickets/?contact={contact_id}")) == [desk["seller"]]


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ("status=reopened", "status", "Unknown status: reopened"),
        ("priority=asap", "priority", "Unknown priority: asap"),
        ("category=nope", "category", "does not exist"),
        ("assignee=someone", "assignee", 'Use a user id, "me" or "none".'),
        ("ordering=subject", "ordering", '"subject"'),
    ],
)
def test_a_bad_filter_value_is_a_clear_400(api, desk, query, field, says):
    response = api.get(f"/api/tickets/?{query}")
    assert response.status_code == 400
    assert says in response.json()[field][0]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("belum sampai", ["email"]),  # subject and message text
        ("3612345678", ["email"]),  # order number
        ("refund", ["whatsapp"]),  # message text
        ("toko maju", ["seller"]),  # contact name
        ("+6281234567890", ["whatsapp"]),  # contact's phone identity
        ("budi@example", ["email"]),  # contact's email identity
        ("PENCAIRAN", ["seller"]),  # case does not matter
        ("nothing like this", []),
    ],
)
def test_search_finds_tickets_by(api, desk, q, expected):
    response = api.get("/api/tickets/", {"q": q})
    assert sorted(ids(response)) == sorted(desk[name] for name in expected)


def test_search_lists_a_ticket_once_when_several_identities_of_its_contact_match(api, personas):
    ticket = actions.log_phone_call(
        by=personas.agent,
        phone="0812-1111-2222",
        email="dewi.lestari@example.test",
        name="Dewi Lestari",
        subject="Akun terkunci",
        text="Tidak bisa login",
    ).ticket
    assert ids(api.get("/api/tickets/", {"q": "dewi"})) == [ticket.pk]


def test_the_list_orders_by_priority_urgency_and_by_creation(api, desk):
    assert ids(api.get("/api/tickets/?ordering=-priority")) == [
        desk["whatsapp"],
        desk["email"],
        desk["seller"],
    ]
    assert ids(api.get("/api/tickets/?ordering=created_at")) == [
        desk["email"],
        desk["whatsapp"],
        desk["seller"],
    ]


def test_the_default_order_is_most_recently_updated_first(api, desk):
    actions.add_note(Ticket.objects.get(pk=desk["email"]), by=desk["personas"].agent, text="cek kurir")
    assert ids(api.get("/api/tickets/"))[0] == desk["email"]


def _many_tickets(personas, count: int) -> None:
    agents = [make_user(f"agent{n}", role=Role.AGENT, team=personas.team) for n in range(3)]
    for n in range(count):
        ticket = actions.receive_message(
            inbound(f"pesan {n}", sender=f"customer{n}@example.test", name="", category_slug="refund")
        ).ticket
        actions.assign(ticket, agent=agents[n % 3], by=personas.supervisor)
        actions.set_team(ticket, team=personas.team, by=personas.supervisor)
        actions.set_tags(ticket, names=[f"tag{n}", "common"], by=personas.supervisor)


@pytest.mark.parametrize("page_size", [3, 15])
def test_a_page_of_tickets_costs_the_same_number_of_queries_whatever_its_size(
    personas, page_size, django_assert_max_num_queries
):
    _many_tickets(personas, 15)
    client = APIClient()
    client.force_authenticate(personas.agent)
    # profile check, count, page, tags, contact identities
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/tickets/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_query_count_does_not_grow_with_the_page_size(personas):
    _many_tickets(personas, 12)
    client = APIClient()
    client.force_authenticate(personas.agent)
    counts = []
    for size in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/tickets/?page_size={size}&q=pesan").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_pages_link_to_the_next_page(api, desk):
    first = api.get("/api/tickets/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2
    second = api.get(first["next"]).json()
    assert [row["id"] for row in first["results"] + second["results"]] == ids(api.get("/api/tickets/"))
