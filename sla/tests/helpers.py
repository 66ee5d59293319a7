"""Shared helpers for the SLA tests: instants in WIB, a frozen clock, the clocks of a ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

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


def sweep_at(when: dt.datetime) -> sweeper.SweepResult:
    with frozen(when):
        return sweeper.sweep()


def local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(WIB) if value is not None else None
