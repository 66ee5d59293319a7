"""What the SLA sweeper tells the escalation app. Stubs for now: the escalation engineer fills them in.

Both are called by sla.sweeper inside the transaction that records the warning or breach, once per
ticket, target and cycle (the SlaWarning / SlaBreach unique constraint guarantees it). An exception here
rolls that record back, so the sweeper retries it on its next run: nothing is lost, nothing is doubled.
Load fresh state by id; do slow work (notifications) after commit.
"""

from __future__ import annotations


def sla_breached(*, ticket_id: int, target: str, breach_id: int) -> None:
    """A clock of ``ticket_id`` passed its due time unmet (sla.models.SlaBreach ``breach_id``).

    ``target`` is the target key, e.g. "first_response", "resolution", "pending_wait", "dispute_window".
    """
    return None


def sla_warning(*, ticket_id: int, target: str, warning_id: int) -> None:
    """A clock of ``ticket_id`` reached its warning time (sla.models.SlaWarning ``warning_id``)."""
    return None
