"""Is the team there to chat, and if not, when is it back?

``availability(widget, at)`` is the ONE place the widget asks. It reads the team's business calendar (the
SLA app's: the team's own, else the default calendar; none at all means always open) through
``sla.schedules.next_opening``, the same function that tells email customers when the desk opens again,
so the chat and email always agree. Opening hours are kept on the calendar only (Admin › SLA › Business
calendars); a widget has none of its own (docs/chat.md, "Opening hours").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from sla import schedules

if TYPE_CHECKING:
    from channels_intake.chat.models import ChatWidget


@dataclass(frozen=True)
class Availability:
    open: bool
    # When closed: the next opening, in the calendar's time zone (None: the calendar never opens).
    back_at: dt.datetime | None


def availability(widget: ChatWidget, at: dt.datetime | None = None) -> Availability:
    """Whether the widget's team takes chats at ``at`` (now), and when it is back if not."""
    at = at or timezone.now()
    try:
        opens = schedules.next_opening(widget.team_id, at=at)
    except ValueError:  # sla's ScheduleError: a calendar that never opens; closed, no date to promise
        return Availability(open=False, back_at=None)
    if opens <= at:
        return Availability(open=True, back_at=None)
    return Availability(open=False, back_at=opens)
