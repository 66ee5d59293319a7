"""SLA models: business calendars, policies with their targets, and per-ticket clocks."""

from sla.models.calendars import BusinessCalendar, CalendarDate, OpeningHours, TeamCalendar, TimeZone
from sla.models.clocks import SlaBreach, SlaClock, SlaWarning
from sla.models.policies import Clock, SlaPolicy, SlaTarget, TargetKind, Unit

__all__ = [
    "BusinessCalendar",
    "CalendarDate",
    "Clock",
    "OpeningHours",
    "SlaBreach",
    "SlaClock",
    "SlaPolicy",
    "SlaTarget",
    "SlaWarning",
    "TargetKind",
    "TeamCalendar",
    "TimeZone",
    "Unit",
]
