"""The desk shows SLA clocks: badges on rows, the panel on the ticket page, breaching-soon and filters."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import customer_ticket
from tickets import actions

pytestmark = pytest.mark.django_db

JAKARTA = dt.timezone(dt.timedelta(hours=7))
# A Wednesday morning, inside every preset's opening hours.
WEDNESDAY_10 = dt.datetime(2026, 11, 18, 10, 0, tzinfo=JAKARTA)


def listed(response):
    return [ticket.pk for ticket in response.context["page"].object_list]


@pytest.fixture
def whatsapp_and_email(personas):
    with time_machine.travel(WEDNESDAY_10, tick=False):
        wa = customer_ticket(
            "Halo kak, pesanan saya?", channel="whatsapp", kind="phone", sender="+6281234567890"
        )
        email = customer_ticket("Paket belum sampai")
    return wa, email


def test_inbox_rows_show_sla_badges_and_cost_no_query_per_row(
    agent_client, whatsapp_and_email, django_assert_max_num_queries
):
    later = WEDNESDAY_10 + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False), django_assert_max_num_queries(16):
        response = agent_client.get("/desk/", {"view": "open"})
    assert b"sla-badge" in response.content


def test_breaching_soon_lists_the_soonest_due_first(agent_client, whatsapp_and_email):
    wa, email = whatsapp_and_email
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=5), tick=False):
        response = agent_client.get("/desk/", {"view": "breaching"})
    # WhatsApp is due in 15 minutes, email in 2 working hours.
    assert listed(response)[:2] == [wa.pk, email.pk]


def test_the_breached_and_at_risk_filters(agent_client, whatsapp_and_email):
    wa, _email = whatsapp_and_email
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=12), tick=False):
        assert listed(agent_client.get("/desk/", {"view": "open", "sla": "at_risk"})) == [wa.pk]
        assert listed(agent_client.get("/desk/", {"view": "open", "sla": "breached"})) == []
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=20), tick=False):
        assert listed(agent_client.get("/desk/", {"view": "open", "sla": "breached"})) == [wa.pk]


def test_the_ticket_page_shows_the_sla_panel_and_a_reply_meets_the_first_response(
    agent_client, whatsapp_and_email, personas
):
    wa, _email = whatsapp_and_email
    with time_machine.travel(WEDNESDAY_10 + dt.timedelta(minutes=3), tick=False):
        page = agent_client.get(f"/desk/tickets/{wa.pk}/")
        assert b'<table class="sla-panel">' in page.content
        actions.reply(wa, by=personas.agent, text="Halo kak, kami cek ya")
    clock = wa.sla_clocks.get(target="first_response")
    assert clock.met_at == WEDNESDAY_10 + dt.timedelta(minutes=3)
    assert clock.met_at <= timezone.now()
