"""SLA models: business calendars, policies with their targets, and per-ticket clocks."""

from sla.models.calendars import BusinessCalendar, CalendarDate, OpeningHours, TeamCalendar, TimeZone
from sla.models.clocks import SlaBreach, SlaClock, SlaWarning
from sla.models.config import SlaConfigVersion, config_changed, config_version
from sla.models.policies import MEASURED_KINDS, Clock, SlaPolicy, SlaTarget, TargetKind, Unit

__all__ = [
    "MEASURED_KINDS",
    "BusinessCalendar",
    "CalendarDate",
    "Clock",
    "OpeningHours",
    "SlaBreach",
    "SlaClock",
    "SlaConfigVersion",
    "SlaPolicy",
    "SlaTarget",
    "SlaWarning",
    "TargetKind",
    "TeamCalendar",
    "TimeZone",
    "Unit",
    "config_changed",
    "config_version",
]
