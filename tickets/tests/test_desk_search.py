"""Searching tickets by number, order number, customer and words (full-text on PostgreSQL)."""

import pytest
from django.db import connection

from tests.factories import customer_ticket, inbound
from tickets import actions, search
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(personas):
    parcel = customer_ticket(
        "Halo, paket saya sudah 5 hari belum sampai. Kurirnya JNE.",
        subject="Paket belum sampai",
        sender="budi.santoso@example.com",
        name="Budi Santoso",
        order_ref="INV/20261118/MPL/3612345678",
    )
    topup = customer_ticket(
        "Saya sudah bayar 50.000 via QRIS tapi status masih pending.",
        subject="Top up pulsa masih pending",
        sender="rina@example.com",
        name="Rina Wulandari",
        order_ref="TOPUP-889120",
    )
    refund = customer_ticket(
        "Kak, saya mau refund, barangnya rusak",
        channel="whatsapp",
        kind="phone",
        sender="+62 812-3456-7890",
        name="Andi",
        subject="",
    )
    return {"parcel": parcel, "topup": topup, "refund": refund}


def found(text: str) -> set[int]:
    return set(search.search(Ticket.objects.all(), text).values_list("pk", flat=True))


def test_it_finds_a_ticket_by_its_whole_order_number(tickets):
    assert found("INV/20261118/MPL/3612345678") == {tickets["parcel"].pk}


def test_it_finds_a_ticket_by_the_start_of_an_order_number_in_any_case(tickets):
    assert found("inv/20261118") == {tickets["parcel"].pk}
    assert found("TOPUP-889") == {tickets["topup"].pk}


def test_it_finds_a_ticket_by_a_word_of_its_subject(tickets):
    assert found("pulsa") == {tickets["topup"].pk}


def test_it_finds_a_ticket_by_words_of_its_messages(tickets, personas):
    assert found("kurirnya") == {tickets["parcel"].pk}
    assert found("QRIS pending") == {tickets["topup"].pk}
    actions.receive_message(
        inbound(
            "Nomor resi JP1234567890 ya",
            sender="budi.santoso@example.com",
            references=(tickets["parcel"].messages.first().external_id,),
        )
    )
    assert found("JP1234567890") == {tickets["parcel"].pk}


def test_it_finds_a_ticket_by_words_of_an_agents_reply_or_internal_note(tickets, personas):
    # Agents search what they themselves wrote: a resi number they gave, a note about a finance batch.
    actions.reply(tickets["parcel"], by=personas.agent, text="Resi pengganti Anda JX9988776655 ya Kak.")
    actions.add_note(tickets["topup"], by=personas.agent, text="Sudah dicek ke tim finance, batch Senin.")
    assert found("JX9988776655") == {tickets["parcel"].pk}
    assert found("finance Senin") == {tickets["topup"].pk}


def test_every_word_must_match(tickets):
    assert found("paket QRIS") == set()


def test_it_finds_a_ticket_by_the_customers_email_name_or_phone(tickets):
    assert found("budi.santoso@example.com") == {tickets["parcel"].pk}
    assert found("Wulandari") == {tickets["topup"].pk}
    assert found("0812 3456 7890") == {tickets["refund"].pk}


def test_it_finds_a_ticket_by_its_number_written_any_way(tickets):
    pk = tickets["refund"].pk
    for text in (f"#SD-{pk}", f"SD-{pk}", f"sd{pk}", f"#{pk}", str(pk)):
        assert pk in found(text), text


def test_it_finds_nothing_for_an_unknown_word(tickets):
    assert found("xylofon") == set()


def test_an_empty_search_changes_nothing(tickets):
    assert found("   ") == {ticket.pk for ticket in tickets.values()}


def test_punctuation_and_query_syntax_in_a_search_are_plain_text(tickets):
    assert found("(belum) & sampai!") == {tickets["parcel"].pk}
    assert found("pulsa:* | !") == {tickets["topup"].pk}
    assert found("'); DROP TABLE tickets_ticket; --") == set()
    assert Ticket.objects.count() == 3


def test_the_desk_search_box_finds_tickets_in_every_status(agent_client, tickets, personas):
    actions.change_status(tickets["parcel"], status="closed", by=personas.agent)
    response = agent_client.get("/desk/", {"view": "all", "q": "INV/20261118/MPL"})
    assert [ticket.pk for ticket in response.context["page"].object_list] == [tickets["parcel"].pk]
    assert b"Paket belum sampai" in response.content
    response = agent_client.get("/desk/", {"view": "all", "q": "rina@example.com"})
    assert [ticket.pk for ticket in response.context["page"].object_list] == [tickets["topup"].pk]


def plan_without_seqscan(queryset) -> str:
    """PostgreSQL's plan for ``queryset`` when it may not scan the (tiny) table: can an index serve it?"""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    return plan


def search_plan(text: str) -> str:
    """PostgreSQL's plan for the desk search, with sequential scans priced out (tiny test tables)."""
    return plan_without_seqscan(search.search(Ticket.objects.all(), text).order_by().values("pk"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search only")
def test_word_search_uses_the_stored_document_and_its_index_on_postgresql(tickets):
    # The stored column, not to_tsvector() recomputed per matching row (1.4 s at 110,000 matches).
    plan = search_plan("paket")
    assert "ticket_search_document" in plan
    assert "to_tsvector" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_stored_document_follows_every_write_on_postgresql(tickets, personas):
    ticket = Ticket.objects.get(pk=tickets["topup"].pk)
    actions.add_note(ticket, by=personas.agent, text="Mutasi BCA dicek")
    Ticket.objects.filter(pk=ticket.pk).update(subject="Saldo e-wallet belum masuk")
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_document::text FROM tickets_ticket WHERE id = %s", [ticket.pk])
        document = cursor.fetchone()[0]
    for word in ("'mutasi'", "'bca'", "'e-wallet'", "'qris'"):
        assert word in document
    assert "'pulsa'" not in document  # the old subject is gone


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_a_page_of_a_common_search_walks_the_activity_index_on_postgresql(tickets):
    # Sorting every match was what cost a second; a page reads ticket_updated in order and stops.
    rows = search.search(Ticket.objects.all(), "paket").order_by("-updated_at", "-id").values("pk")[:25]
    assert "ticket_updated" in plan_without_seqscan(rows)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_every_part_of_a_search_is_answered_by_an_index_on_postgresql(tickets):
    # At a million tickets, one part without an index (a contact scan, an IN subquery) made PostgreSQL
    # read the whole ticket table; now each part is an index scan combined in one bitmap.
    plan = search_plan("rina@example.com")
    for index in ("ticket_search_document", "ticket_order_ref_prefix", "contact_name_trgm"):
        assert index in plan
    assert "BitmapOr" in plan and "Seq Scan on tickets_ticket" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_order_prefix_search_uses_its_index_on_postgresql(tickets):
    plan = plan_without_seqscan(Ticket.objects.filter(order_ref__istartswith="INV/2026").values("pk"))
    assert "ticket_order_ref_prefix" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_the_digits_of_an_order_number_find_it_through_the_trigram_index_on_postgresql(tickets):
    assert "ticket_order_ref_trgm" in search_plan("3612345678")
    assert set(search.search(Ticket.objects.all(), "3612345678")) == {tickets["parcel"]}
