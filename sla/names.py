"""The seeded SLA policy and target names, shown in the agent's language.

The seed migrations store these English names (an admin may rename them). ``translated`` shows a seeded
name in the reader's language and any other name exactly as an admin wrote it.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

SEEDED = frozenset(
    {
        # Policies (sla/migrations/0002, 0004)
        gettext_noop("Default"),
        gettext_noop("Email"),
        gettext_noop("Live chat and WhatsApp"),
        gettext_noop("Complex reports (returns, wrong shipments, refunds)"),
        gettext_noop("Order pending after payment"),
        gettext_noop("Buyer–seller disputes"),
        # Calendars
        gettext_noop("Daily 07.00–23.00 WIB"),
        gettext_noop("Mon–Fri 08.00–21.00, Sat–Sun and national holidays 09.00–17.00 WIB"),
        # Targets
        gettext_noop("First response"),
        gettext_noop("Next response"),
        gettext_noop("Resolution"),
        gettext_noop("15-minute wait (customer told to wait)"),
        gettext_noop("Operator disruption: 1×24 hours"),
        gettext_noop("Buyer–seller window (3 days)"),
        gettext_noop("Evidence window (3 days)"),
        gettext_noop("Platform decision (5 days)"),
    }
)


def translated(name: str) -> str:
    return gettext(name) if name in SEEDED else name
