"""The whole status transition table: every move either happens (with its audit event) or is refused
with a message naming both statuses."""

import itertools

import pytest

from tests.factories import customer_ticket
from tickets import actions
from tickets.models import TRANSITIONS, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NEW, OPEN, PENDING, ON_HOLD = Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD
RESOLVED, CLOSED = Status.RESOLVED, Status.CLOSED

# The policy, written out independently of tickets.models.TRANSITIONS: open work moves freely; a
# resolved ticket can be reopened or closed; a closed ticket is final (the customer's next message opens
# a new, linked ticket); nothing goes back to "new".
ALLOWED = {
    NEW: {OPEN, PENDING, ON_HOLD, RESOLVED, CLOSED},
    OPEN: {PENDING, ON_HOLD, RESOLVED, CLOSED},
    PENDING: {OPEN, ON_HOLD, RESOLVED, CLOSED},
    ON_HOLD: {OPEN, PENDING, RESOLVED, CLOSED},
    RESOLVED: {OPEN, CLOSED},
    CLOSED: set(),
}
PAIRS = [(before, after) for before, after in itertools.permutations(Status.values, 2)]


def test_the_table_in_the_code_is_the_policy():
    assert {status: set(targets) for status, targets in TRANSITIONS.items()} == ALLOWED


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=[f"{b}->{a}" for b, a in PAIRS])
def test_each_move_is_allowed_or_refused_as_the_table_says(personas, before, after):
    ticket = customer_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=before)  # the starting point, however reached
    hold_reason = "courier" if after == ON_HOLD else ""
    if after in ALLOWED[before]:
        actions.change_status(ticket, status=after, hold_reason=hold_reason, by=personas.agent)
        ticket.refresh_from_db()
        assert ticket.status == after
        last = ticket.events.filter(kind=TicketEvent.Kind.STATUS).last()
        assert last is not None and last.before == before
    else:
        with pytest.raises(actions.ActionError) as refused:
            actions.change_status(ticket, status=after, hold_reason=hold_reason, by=personas.agent)
        assert str(refused.value) == (
            f"A ticket cannot move from “{Status(before).label}” to “{Status(after).label}”."
        )
        ticket.refresh_from_db()
        assert ticket.status == before
        assert not ticket.events.filter(kind=TicketEvent.Kind.STATUS).exists()


@pytest.mark.parametrize("status", Status.values)
def test_moving_to_the_same_status_changes_nothing(personas, status):
    ticket = customer_ticket()
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    actions.change_status(ticket, status=status, by=personas.agent)
    assert not ticket.events.filter(kind=TicketEvent.Kind.STATUS).exists()
