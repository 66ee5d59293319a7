"""Calendar presets and the policies from the support policies SupportDesk is built from.

Admins may change all of it later. Warning thresholds where the source policies name none are our
choice (80 %, or 5 minutes before a 15-minute wait), so that every deadline warns before it breaches.
"""

import datetime as dt

from django.db import migrations

WEEKDAYS = range(5)
WEEKEND = (5, 6)
HOLIDAY = 7

CALENDARS = [
    # name, always open, observe holidays, default, [(days, opens, closes)]
    ("24/7", True, False, False, []),
    ("Daily 07.00–23.00 WIB", False, False, False, [(range(7), dt.time(7), dt.time(23))]),
    (
        "Mon–Fri 08.00–21.00, Sat–Sun and national holidays 09.00–17.00 WIB",
        False,
        True,
        True,
        [(WEEKDAYS, dt.time(8), dt.time(21)), ((*WEEKEND, HOLIDAY), dt.time(9), dt.time(17))],
    ),
]

PAUSING = ["pending", "on_hold"]

# name, position, default, calendar, channels, category slugs, pause statuses, targets
# target: key, name, met by, amount, unit, clock, warn %, warn minutes before, on hold for, after
POLICIES = [
    (
        "Order pending after payment",
        10,
        False,
        None,
        [],
        ["order-pending"],
        # On hold must not pause: the operator-disruption window runs while the ticket is on hold.
        ["pending"],
        [
            ("pending_wait", "15-minute wait, then an agent", "resolution", 15, "minutes", "calendar", None, 5, "", None),
            ("operator_resolution", "Operator disruption: 1×24 hours", "resolution", 24, "hours", "calendar", 80, None, "operator", None),
        ],
    ),
    (
        "Buyer–seller disputes",
        20,
        False,
        None,
        [],
        ["dispute"],
        [],
        [
            ("dispute_window", "Buyer–seller window (3 days)", "resolution", 3, "days", "calendar", 80, None, "", None),
            ("dispute_evidence", "Evidence window (3 days)", "resolution", 3, "days", "calendar", 80, None, "", "dispute_window"),
            ("dispute_decision", "Platform decision (5 days)", "resolution", 5, "days", "calendar", 80, None, "", "dispute_window"),
        ],
    ),
    (
        "Complex reports (returns, wrong shipments, refunds)",
        30,
        False,
        None,
        [],
        ["refund", "return-exchange"],
        PAUSING,
        [("resolution", "Resolution", "resolution", 2, "days", "business", 80, None, "", None)],
    ),
    (
        "Live chat and WhatsApp",
        40,
        False,
        "24/7",
        ["chat", "whatsapp"],
        [],
        PAUSING,
        [("first_response", "First response", "first_response", 15, "minutes", "business", None, 5, "", None)],
    ),
    (
        "Email",
        50,
        False,
        None,
        ["email"],
        [],
        PAUSING,
        [("first_response", "First response", "first_response", 2, "hours", "business", None, 60, "", None)],
    ),
    (
        "Default",
        1000,
        True,
        None,
        [],
        [],
        PAUSING,
        [("first_response", "First response", "first_response", 1, "days", "business", 80, None, "", None)],
    ),
]


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    OpeningHours = apps.get_model("sla", "OpeningHours")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    Category = apps.get_model("tickets", "Category")
    calendars = {}
    for name, always_open, observe, default, hours in CALENDARS:
        calendar, created = BusinessCalendar.objects.get_or_create(
            name=name,
            defaults={
                "time_zone": "Asia/Jakarta",
                "always_open": always_open,
                "observe_holidays": observe,
                "is_default": default and not BusinessCalendar.objects.filter(is_default=True).exists(),
            },
        )
        calendars[name] = calendar
        if created:
            for days, opens, closes in hours:
                for day in days:
                    OpeningHours.objects.create(calendar=calendar, day=day, opens=opens, closes=closes)
    for name, position, default, calendar, channels, categories, pausing, targets in POLICIES:
        if SlaPolicy.objects.filter(name=name).exists():
            continue
        policy = SlaPolicy.objects.create(
            name=name,
            position=position,
            is_default=default and not SlaPolicy.objects.filter(is_default=True).exists(),
            calendar=calendars[calendar] if calendar else None,
            channels=channels,
            pause_statuses=pausing,
        )
        policy.categories.set(Category.objects.filter(slug__in=categories))
        created_targets = {}
        for index, (key, label, kind, amount, unit, clock, percent, before, on_hold, after) in enumerate(targets):
            created_targets[key] = SlaTarget.objects.create(
                policy=policy,
                key=key,
                name=label,
                kind=kind,
                amount=amount,
                unit=unit,
                clock=clock,
                warn_percent=percent,
                warn_minutes_before=before,
                start_on_hold_reason=on_hold,
                start_after=created_targets[after] if after else None,
                position=index,
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial"), ("tickets", "0002_seed_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
