"""Chat opening hours move to the team's business calendar (sla), so chat and email agree.

A widget's own schedule becomes its team's calendar when the team has none yet (the first widget of a
team, by id, wins); a team that already has a calendar keeps it, as the widget's help text promised.
Then the widget's schedule fields go. The rule parser is copied here: the app no longer has one.
"""

import datetime as dt

from django.db import migrations

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ZONES = {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"}


def _days(part):
    days = []
    for chunk in part.split(","):
        first, _sep, last = chunk.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return days


def _time(text):
    hour, minute = (int(part) for part in text.split(":"))
    return dt.time(0, 0) if hour == 24 else dt.time(hour, minute)  # 00:00 closes at midnight


def _rules(text):
    """[(day, opens, closes)] for the widget's rules; lines that do not parse are skipped."""
    rules = []
    for line in text.lower().splitlines():
        days_part, *ranges = line.split()
        try:
            days = _days(days_part)
        except ValueError:
            continue
        for item in ranges:
            try:
                start, end = item.split("-")
                rules.extend((day, _time(start), _time(end)) for day in days)
            except ValueError:
                continue
    return rules


def widget_hours_to_team_calendars(apps, schema_editor):
    ChatWidget = apps.get_model("channels_intake", "ChatWidget")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    OpeningHours = apps.get_model("sla", "OpeningHours")
    TeamCalendar = apps.get_model("sla", "TeamCalendar")
    for widget in ChatWidget.objects.exclude(opening_hours="").select_related("team").order_by("pk"):
        if not widget.opening_hours.strip() or TeamCalendar.objects.filter(team_id=widget.team_id).exists():
            continue
        name = f"{widget.team.name} (chat {widget.name})"[:100]
        if BusinessCalendar.objects.filter(name=name).exists():
            name = f"{name[:90]} #{widget.pk}"
        calendar = BusinessCalendar.objects.create(
            name=name,
            time_zone=widget.time_zone if widget.time_zone in ZONES else "Asia/Jakarta",
            observe_holidays=widget.closed_on_public_holidays,
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=calendar, day=day, opens=opens, closes=closes)
            for day, opens, closes in _rules(widget.opening_hours)
        )
        TeamCalendar.objects.create(team_id=widget.team_id, calendar=calendar)


class Migration(migrations.Migration):
    dependencies = [
        ("channels_intake", "0004_chat"),
        ("sla", "0002_seed_presets"),
    ]

    operations = [
        migrations.RunPython(widget_hours_to_team_calendars, migrations.RunPython.noop),
        migrations.RemoveField(model_name="chatwidget", name="opening_hours"),
        migrations.RemoveField(model_name="chatwidget", name="closed_on_public_holidays"),
    ]
