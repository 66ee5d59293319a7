"""Shared helpers for the SLA tests: instants in WIB, a frozen clock, the clocks of a ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase

from sla import sweeper
from sla.models import SlaClock
from tests.factories import customer_ticket
from tickets.models import Ticket

WIB = ZoneInfo("Asia/Jakarta")


def wib(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=WIB)


@contextmanager
def frozen(when: dt.datetime) -> Iterator[None]:
    with time_machine.travel(when, tick=False):
        yield


def ticket_at(when: dt.datetime, **kwargs: Any) -> Ticket:
    with frozen(when):
        return customer_ticket(**kwargs)


def clock(ticket: Ticket, target: str, cycle: int = 1) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, target=target, cycle=cycle)


def sweep_at(when: dt.datetime, *, hand_over: bool = True) -> sweeper.SweepResult:
    """One sweep at ``when``; with ``hand_over`` the tasks it queues after commit run then too (eagerly),
    as a worker would run them right after the sweep."""
    with frozen(when):
        if not hand_over:
            return sweeper.sweep()
        with TestCase.captureOnCommitCallbacks(execute=True):
            return sweeper.sweep()


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(WIB) if value is not None else None


def policy_form(policy: Any, target: Any, **changes: Any) -> dict[str, Any]:
    """The admin change form of a policy with one target, as posted; ``changes`` overrides fields
    (``amount``, ``warn_minutes_before`` for the target, anything else for the policy)."""
    amount = changes.pop("amount", target.amount)
    warn = changes.pop("warn_minutes_before", target.warn_minutes_before)
    form = {
        "name": policy.name,
        "position": str(policy.position),
        "active": "on",
        "channels": policy.channels,
        "pause_statuses": policy.pause_statuses,
        "targets-TOTAL_FORMS": "1",
        "targets-INITIAL_FORMS": "1",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "targets-0-id": str(target.pk),
        "targets-0-policy": str(policy.pk),
        "targets-0-key": target.key,
        "targets-0-name": target.name,
        "targets-0-kind": target.kind,
        "targets-0-position": "0",
        "targets-0-amount": str(amount),
        "targets-0-unit": target.unit,
        "targets-0-clock": target.clock,
        "targets-0-warn_minutes_before": "" if warn is None else str(warn),
        "targets-0-start_on_hold_reason": "",
    }
    form.update(changes)
    return form
