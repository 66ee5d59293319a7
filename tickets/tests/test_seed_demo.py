"""The demo data: realistic enough to try every flow, idempotent, and silent towards demo customers."""

import io

import pytest
from django.core.management import call_command

from tickets.models import Direction, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_demo_customer_messages_are_real_messages_that_the_sla_counts(seeded, mailoutbox):
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    assert inbound.exists()
    assert not inbound.filter(is_automatic=True).exists()
    # ...and yet no demo customer was mailed an acknowledgement.
    assert [mail for mail in mailoutbox if "We received your message" in mail.subject] == []


def test_seeding_twice_changes_nothing(seeded, django_capture_on_commit_callbacks):
    before = Message.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    assert Message.objects.count() == before


def test_demo_agents_may_change_the_tickets_they_are_given_and_act_on(seeded):
    from django.contrib.auth.models import User

    from tickets.access import can_work_on
    from tickets.models import Role, Ticket, TicketEvent

    for agent in User.objects.filter(agent__role=Role.AGENT):
        touched = Ticket.objects.filter(pk__in=TicketEvent.objects.filter(actor=agent).values("ticket_id"))
        for ticket in [*touched, *Ticket.objects.filter(assignee=agent)]:
            assert can_work_on(agent, ticket), (agent.username, ticket.reference)
        # Something in their teams' queues to answer straight away.
        assert any(can_work_on(agent, ticket) for ticket in Ticket.objects.filter(assignee=None))


def test_the_demo_tickets_are_as_old_as_their_story_so_the_sla_shows_overdue_and_breached(seeded):
    """A new user's first look has overdue badges and breaches: the customers wrote minutes to days ago."""
    import datetime as dt

    from django.utils import timezone

    from sla.badges import clock_state
    from sla.models import SlaBreach, SlaClock
    from tickets.models import Ticket, TicketEvent

    now = timezone.now()
    dispute = Ticket.objects.get(order_ref="INV/20261110/MPL/1188776655")  # written 4,400 minutes ago
    assert now - dt.timedelta(minutes=4401) < dispute.created_at < now - dt.timedelta(minutes=4399)
    first = dispute.messages.get()
    assert first.created_at == dispute.created_at
    assert TicketEvent.objects.filter(ticket=dispute).earliest("created_at").created_at == dispute.created_at
    # The buyer-seller window is three calendar days: over, whatever the time of day the demo is loaded.
    window = SlaClock.objects.get(ticket=dispute, target="dispute_window")
    assert clock_state(window, now) == "overdue"
    assert SlaBreach.objects.filter(ticket=dispute, target="dispute_window").exists()
    # A message from three minutes ago is not backdated into a breach.
    chat = Ticket.objects.get(channel="chat")
    assert chat.created_at > now - dt.timedelta(minutes=4)
    assert not SlaBreach.objects.filter(ticket=chat).exists()
