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
