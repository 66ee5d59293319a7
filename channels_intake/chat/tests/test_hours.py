"""Opening hours: when the widget chats, and what it says and does outside them."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from channels_intake.chat import hours
from channels_intake.chat.models import ChatSession, ChatWidget
from channels_intake.chat.tests.conftest import SHOP, fixture_json
from tickets import actions
from tickets.models import Channel, Ticket

JAKARTA = ZoneInfo("Asia/Jakarta")
WEEKDAYS = "mon-fri 08:00-20:00\nsat 09:00-12:00 13:00-15:00"


def at(text: str, tz: ZoneInfo = JAKARTA) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def schedule(text: str = WEEKDAYS, *, holidays: bool = True, tz: str = "Asia/Jakarta") -> hours.Schedule:
    return hours.schedule_for(
        ChatWidget(opening_hours=text, time_zone=tz, closed_on_public_holidays=holidays)
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("weekdays 08:00-17:00", "start with days"),
        ("mon-fri", "has no times"),
        ("mon 8-17", "not a time range"),
        ("mon 17:00-08:00", "end must be after the start"),
        ("mon 08:00-25:00", "end must be after the start"),
    ],
)
def test_a_schedule_it_cannot_read_is_refused_with_the_line_named(text, problem):
    with pytest.raises(ValidationError, match=problem):
        hours.parse_opening_hours(text)


def test_a_blank_schedule_is_always_open():
    assert hours.is_open(schedule(""), at("2026-12-25 03:00"))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-23 07:59", False),  # Monday before opening
        ("2026-11-23 08:00", True),
        ("2026-11-23 19:59", True),
        ("2026-11-23 20:00", False),
        ("2026-11-28 12:30", False),  # Saturday lunch break
        ("2026-11-28 13:30", True),
        ("2026-11-29 10:00", False),  # Sunday
        ("2026-08-17 10:00", False),  # Independence Day, a Monday
    ],
)
def test_it_is_open_inside_the_weekly_hours_except_on_public_holidays(moment, expected):
    assert hours.is_open(schedule(), at(moment)) is expected


def test_a_team_that_works_on_holidays_is_open_on_them():
    assert hours.is_open(schedule(holidays=False), at("2026-08-17 10:00"))


def test_after_friday_closing_the_team_is_back_on_monday_morning():
    assert hours.next_open(schedule(), at("2026-11-27 20:30")) == at("2026-11-28 09:00")
    assert hours.next_open(schedule("mon-fri 08:00-20:00"), at("2026-11-27 20:30")) == at("2026-11-30 08:00")


def test_the_next_opening_skips_public_holidays():
    # Sunday 16 August 2026: Monday the 17th is Independence Day, so Tuesday.
    assert hours.next_open(schedule("mon-fri 08:00-20:00"), at("2026-08-16 10:00")) == at("2026-08-18 08:00")


def test_hours_are_read_in_the_widgets_time_zone():
    makassar = schedule("mon-fri 08:00-17:00", tz="Asia/Makassar")
    # 07:30 in Jakarta is 08:30 in Makassar (WITA).
    assert hours.is_open(makassar, at("2026-11-23 07:30"))


@pytest.fixture
def closed_widget(widget) -> ChatWidget:
    widget.opening_hours = "mon-fri 08:00-20:00"
    widget.save(update_fields=["opening_hours"])
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
