"""Opening hours: the chat follows the team's business calendar (the SLA app's), like email does."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from channels_intake.chat import hours
from channels_intake.chat.models import ChatSession, ChatWidget
from channels_intake.chat.tests.conftest import SHOP, fixture_json
from sla.models import BusinessCalendar, OpeningHours, TeamCalendar
from tickets import actions
from tickets.models import Channel, Ticket

JAKARTA = ZoneInfo("Asia/Jakarta")


def at(text: str, tz: ZoneInfo = JAKARTA) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def weekday_calendar(name: str = "Chat weekdays", tz: str = "Asia/Jakarta") -> BusinessCalendar:
    calendar = BusinessCalendar.objects.create(name=name, time_zone=tz, observe_holidays=True)
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, day=day, opens=dt.time(8), closes=dt.time(20)) for day in range(5)
    )
    return calendar


@pytest.mark.django_db
def test_the_chat_is_open_when_the_teams_calendar_is(widget):
    TeamCalendar.objects.create(team=widget.team, calendar=weekday_calendar())
    assert hours.availability(widget, at("2026-11-27 10:00")).open  # Friday morning
    closed = hours.availability(widget, at("2026-11-27 20:30"))
    assert not closed.open and closed.back_at == at("2026-11-30 08:00")


@pytest.mark.django_db
def test_a_team_without_a_calendar_follows_the_default_calendar_like_email(widget):
    BusinessCalendar.objects.update(is_default=False)
    default = weekday_calendar("Desk default")
    BusinessCalendar.objects.filter(pk=default.pk).update(is_default=True)
    assert not hours.availability(widget, at("2026-11-29 10:00")).open  # Sunday


@pytest.mark.django_db
def test_without_any_calendar_the_chat_is_always_open(widget):
    BusinessCalendar.objects.update(is_default=False)
    assert hours.availability(widget, at("2026-12-25 03:00")).open


@pytest.mark.django_db
def test_public_holidays_close_the_chat_when_the_calendar_observes_them(widget):
    TeamCalendar.objects.create(team=widget.team, calendar=weekday_calendar())
    # 17 August (Independence Day) 2026 is a Monday.
    closed = hours.availability(widget, at("2026-08-17 10:00"))
    assert not closed.open and closed.back_at == at("2026-08-18 08:00")


@pytest.mark.django_db
def test_the_return_time_is_given_in_the_calendars_time_zone(widget):
    TeamCalendar.objects.create(team=widget.team, calendar=weekday_calendar("Makassar", "Asia/Makassar"))
    # 07:30 in Jakarta is 08:30 in Makassar (WITA): open.
    assert hours.availability(widget, at("2026-11-23 07:30")).open
    back = hours.availability(widget, at("2026-11-23 20:30", ZoneInfo("Asia/Makassar"))).back_at
    assert back is not None and back.tzname() == "WITA" and back.hour == 8


@pytest.mark.django_db
def test_a_calendar_without_any_hours_keeps_the_chat_closed_without_a_promise(widget):
    empty = BusinessCalendar.objects.create(name="Never", observe_holidays=False)
    TeamCalendar.objects.create(team=widget.team, calendar=empty)
    assert hours.availability(widget, at("2026-11-23 10:00")) == hours.Availability(open=False, back_at=None)


@pytest.fixture
def closed_widget(widget) -> ChatWidget:
    """Mon–Fri 08:00–20:00 WIB, the team's own calendar."""
    TeamCalendar.objects.create(team=widget.team, calendar=weekday_calendar())
    return widget


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("now", "back"),
    [
        ("2026-11-27 21:00", "Monday, 30 November at 08:00 WIB"),  # Friday night
        ("2026-11-29 10:00", "tomorrow at 08:00 WIB"),  # Sunday
        ("2026-11-30 06:30", "today at 08:00 WIB"),  # Monday, early
    ],
)
def test_outside_hours_the_widget_says_when_the_team_is_back(client, closed_widget, time_machine, now, back):
    time_machine.move_to(at(now), tick=False)
    url = reverse("chat:config", args=[closed_widget.public_key]) + "?lang=en"
    data = client.get(url, headers={"origin": SHOP}).json()
    assert data["open"] is False
    assert data["back"] == back


@pytest.mark.django_db
def test_outside_hours_a_chat_cannot_start(client, closed_widget, topic, time_machine):
    time_machine.move_to(at("2026-11-29 10:00"), tick=False)  # Sunday
    response = client.post(
        reverse("chat:start", args=[closed_widget.public_key]),
        fixture_json("prechat-form.json"),
        headers={"origin": SHOP},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "closed"
    assert not ChatSession.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_out_of_hours_message_becomes_a_chat_ticket_answered_by_email(
    client, closed_widget, topic, personas, mailoutbox, time_machine
):
    time_machine.move_to(at("2026-11-29 10:00"), tick=False)
    form = fixture_json("offline-form.json")
    response = client.post(
        reverse("chat:offline", args=[closed_widget.public_key]), form, headers={"origin": SHOP}
    )
    assert response.status_code == 201, response.content
    assert "siti.rahma@example.test" in response.json()["message"]
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.CHAT and ticket.assignee is None
    assert ticket.messages.get().text == form["text"]
    assert ChatSession.objects.get().mode == ChatSession.Mode.OFFLINE

    actions.reply(ticket, by=personas.agent, text="Halo Siti, pulsa sudah kami kirim ulang.")
    assert [mail.to for mail in mailoutbox] == [["siti.rahma@example.test"]]
    assert "pulsa sudah kami kirim ulang" in mailoutbox[0].body


@pytest.mark.django_db
def test_an_out_of_hours_message_needs_an_email_address(client, closed_widget, topic, time_machine):
    time_machine.move_to(at("2026-11-29 10:00"), tick=False)
    form = {**fixture_json("offline-form.json"), "contact": "0812-3456-7890"}
    response = client.post(
        reverse("chat:offline", args=[closed_widget.public_key]), form, headers={"origin": SHOP}
    )
    assert response.status_code == 400
    assert "email" in json.dumps(response.json()["fields"]["contact"])
    assert not Ticket.objects.exists()
