"""What one incoming email costs the database: every query here is paid by every message (the intake
benchmark, docs/PERFORMANCE.md §3). The budgets are upper bounds; lower them when the path gets cheaper."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_intake.email.intake import process_event
from channels_intake.email.tests.conftest import load
from channels_intake.models import InboundEvent
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

# Processing a stored event, in its transaction (after-commit work, such as the acknowledgement task and
# the desk's live update, runs after it and is not counted).
NEW_TICKET_BUDGET = 16
REPLY_BUDGET = 16


def _stored(raw: bytes) -> InboundEvent:
    return InboundEvent.objects.create(channel="email", source="cli", body=raw)


def _process_counting(raw: bytes, django_capture_on_commit_callbacks) -> tuple[InboundEvent, list[str]]:
    event = _stored(raw)
    with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as queries:
        process_event(event)
    return event, [query["sql"] for query in queries.captured_queries]


def _within(budget: int, queries: list[str], what: str) -> None:
    assert len(queries) <= budget, (
        f"{what} took {len(queries)} SQL queries, the budget is {budget}. Each one is paid by every "
        "incoming email: find the new one below, or raise the budget in this file with the reason.\n"
        + "\n".join(f"{number:3}. {sql[:300]}" for number, sql in enumerate(queries, 1))
    )


@pytest.fixture
def warm(ingest):
    """The per-process caches (SLA configuration) are loaded, as in a running worker."""
    ingest(b"From: someone@mail.example\nTo: cs@tokoku.example\nMessage-ID: <warm@x>\nSubject: x\n\nhalo\n")


def test_a_new_email_ticket_stays_within_its_query_budget(warm, django_capture_on_commit_callbacks):
    event, queries = _process_counting(load("gmail_plain_id.eml"), django_capture_on_commit_callbacks)
    event.refresh_from_db()
    assert event.state == InboundEvent.State.PROCESSED
    assert Ticket.objects.get(pk=event.ticket_ids[0]).contact.email == "budi.santoso@gmail.example"
    _within(NEW_TICKET_BUDGET, queries, "A new customer's first email (new contact, new ticket)")


def test_a_reply_into_an_open_ticket_stays_within_its_query_budget(
    ingest, warm, django_capture_on_commit_callbacks
):
    first = ingest("gmail_plain_id.eml")
    event, queries = _process_counting(
        load("reply_references_stored_customer_id.eml"), django_capture_on_commit_callbacks
    )
    event.refresh_from_db()
    assert event.ticket_ids == first.ticket_ids
    assert Message.objects.filter(ticket_id=first.ticket_ids[0]).count() == 2
    _within(REPLY_BUDGET, queries, "A customer's reply into their open ticket")
