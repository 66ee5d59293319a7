"""Machine mail: bounces mark what bounced, auto-replies get no answer, loops stop, out-of-hours notices."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from channels_intake.email import adapter
from channels_intake.email.auto_replies import out_of_hours_notice
from channels_intake.email.automatic import is_machine_address
from channels_intake.email.models import EmailAddressStatus, SentEmail
from channels_intake.models import InboundEvent
from sla.models import BusinessCalendar, OpeningHours, TeamCalendar
from tests.factories import customer_ticket
from tickets import actions
from tickets.models import DeliveryStatus, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")
# On the seeded weekday/weekend calendar (weekdays 08.00–21.00, weekends and holidays 09.00–17.00 WIB):
SATURDAY_EVENING = dt.datetime(2025, 11, 15, 20, 0, tzinfo=JAKARTA)  # closed since 17.00
SUNDAY_OPENING_ID = "Minggu, 16 November 2025 09:00"
SUNDAY_OPENING_EN = "Sunday, 16 November 2025 09:00"
MONDAY_MORNING = dt.datetime(2025, 11, 17, 10, 0, tzinfo=JAKARTA)  # open
FRIDAY_NOON = dt.datetime(2025, 11, 14, 12, 0, tzinfo=JAKARTA)  # open


@pytest.fixture
def sent_reply(personas, django_capture_on_commit_callbacks):
    ticket = customer_ticket(sender="budi@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.reply(ticket, by=personas.agent, text="Baik, kami cek dulu ya.")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    return message


@pytest.mark.parametrize(
    "name", ["dsn_bounce_postfix.eml", "dsn_bounce_gmail.eml", "bounce_qmail_unstructured.eml"]
)
def test_a_bounce_marks_the_reply_failed_and_the_address_and_opens_no_ticket(name, sent_reply, ingest):
    tickets_before = Ticket.objects.count()
    event = ingest(name, OUR_MESSAGE_ID=sent_reply.external_id, RECIPIENT="budi@example.test")
    assert event.state == InboundEvent.State.IGNORED
    assert Ticket.objects.count() == tickets_before
    sent_reply.refresh_from_db()
    assert sent_reply.delivery_status == DeliveryStatus.FAILED
    assert "5.1.1" in sent_reply.delivery_error or "no mailbox" in sent_reply.delivery_error.lower()
    assert sent_reply.ticket.events.filter(kind=TicketEvent.Kind.DELIVERY).exists()
    status = EmailAddressStatus.objects.get(address="budi@example.test")
    assert status.bounced_at is not None and status.bounce_count == 1


def test_a_delay_report_changes_nothing(sent_reply, ingest):
    event = ingest("dsn_delayed.eml", OUR_MESSAGE_ID=sent_reply.external_id, RECIPIENT="budi@example.test")
    assert event.state == InboundEvent.State.IGNORED and "temporary" in event.error
    sent_reply.refresh_from_db()
    assert sent_reply.delivery_status == DeliveryStatus.SENT
    assert not EmailAddressStatus.objects.filter(bounced_at__isnull=False).exists()


def test_a_bounce_quoting_a_forged_message_id_marks_nothing(sent_reply, ingest):
    forged = sent_reply.external_id.replace(sent_reply.external_id[-40:-30], "0000000000")
    ingest("dsn_bounce_postfix.eml", OUR_MESSAGE_ID=forged, RECIPIENT="other@example.test")
    sent_reply.refresh_from_db()
    assert sent_reply.delivery_status == DeliveryStatus.SENT
    assert not EmailAddressStatus.objects.filter(bounced_at__isnull=False).exists()


@pytest.mark.parametrize("quoted", ["forged", "someone_else_s"])
def test_a_forged_bounce_cannot_mark_an_address_we_did_not_mail(quoted, sent_reply, ingest):
    """Anyone can send us a DSN naming any address; only mail we sent to it makes it a bounce."""
    message_id = "<CAB123@mail.gmail.example>" if quoted == "someone_else_s" else "<sd.1.m1.0@x>"
    event = ingest("dsn_bounce_postfix.eml", OUR_MESSAGE_ID=message_id, RECIPIENT="victim@example.test")
    assert event.state == InboundEvent.State.IGNORED
    assert not EmailAddressStatus.objects.filter(address="victim@example.test").exists()


def test_a_bounce_without_our_message_id_marks_an_address_we_mailed_recently(sent_reply, ingest):
    ingest("dsn_bounce_postfix.eml", OUR_MESSAGE_ID="<stripped@mx.example>", RECIPIENT="budi@example.test")
    assert EmailAddressStatus.objects.get(address="budi@example.test").bounced_at is not None
    with time_machine.travel(dt.datetime.now(tz=JAKARTA) + dt.timedelta(days=30)):
        ingest(
            "dsn_bounce_gmail.eml", OUR_MESSAGE_ID="<stripped-2@mx.example>", RECIPIENT="budi@example.test"
        )
    assert EmailAddressStatus.objects.get(address="budi@example.test").bounce_count == 1  # a month on: no


def test_a_human_message_gets_an_acknowledgement_with_number_and_status_link(ingest, mailoutbox):
    event = ingest("gmail_plain_id.eml")
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    assert len(mailoutbox) == 1
    ack = mailoutbox[0]
    assert ack.to == ["budi.santoso@gmail.example"]
    assert ticket.reference in ack.subject and ticket.reference in ack.body
    assert "/status/" in ack.body
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    assert ack.extra_headers["X-Auto-Response-Suppress"] == "All"
    assert ack.extra_headers["In-Reply-To"] == "<CAJx8Zq1YbP9fk2v3N0uQ+Zr2cG=Hs8mWq7Lz@mail.gmail.example>"
    assert ack.reply_to == ["SupportDesk <support@supportdesk.localhost>"]
    assert SentEmail.objects.get().kind == SentEmail.Kind.ACKNOWLEDGEMENT


def test_the_acknowledgement_speaks_the_customer_s_language(ingest, mailoutbox, weekday_weekend_calendar):
    # Day names come from Django's own translations, so they show the language without our catalogue.
    with time_machine.travel(SATURDAY_EVENING):
        ingest("english_customer.eml")
        ingest("gmail_plain_id.eml")
    assert SUNDAY_OPENING_EN in mailoutbox[0].body
    assert SUNDAY_OPENING_ID in mailoutbox[1].body


@pytest.mark.parametrize(
    "name",
    [
        "autoreply_auto_submitted_id.eml",
        "autoreply_x_autoreply.eml",
        "autoreply_outlook_precedence.eml",
        "autoreply_x_loop.eml",
        "newsletter_precedence_bulk.eml",
        "newsletter_spam_flagged.eml",
        "noreply_marketplace_notification.eml",
    ],
)
def test_automatic_mail_never_gets_an_automatic_answer(name, ingest, mailoutbox, weekday_weekend_calendar):
    with time_machine.travel(SATURDAY_EVENING):
        ingest(name)
        ingest(name, source="imap")  # the same again (a re-delivery through another path)
    assert mailoutbox == []


def test_out_of_hours_the_acknowledgement_says_when_the_team_answers(
    ingest, mailoutbox, weekday_weekend_calendar
):
    with time_machine.travel(SATURDAY_EVENING):  # Saturday 20.00: weekends close at 17.00
        ingest("gmail_plain_id.eml")
    assert f"{SUNDAY_OPENING_ID} (WIB)" in mailoutbox[0].body


def test_on_a_national_holiday_the_team_answers_from_the_holiday_opening(
    ingest, mailoutbox, weekday_weekend_calendar
):
    # Christmas Day 2026 is a Friday: a weekday would open at 08.00, a national holiday opens at 09.00.
    with time_machine.travel(dt.datetime(2026, 12, 25, 8, 0, tzinfo=JAKARTA)):
        ingest("gmail_plain_id.eml")
    assert "Jumat, 25 Desember 2026 09:00 (WIB)" in mailoutbox[0].body
    ticket = Ticket.objects.get()
    with translation.override("en"):
        ordinary_friday = out_of_hours_notice(ticket, now=dt.datetime(2026, 12, 18, 7, 0, tzinfo=JAKARTA))
    assert ordinary_friday is not None and "Friday, 18 December 2026 08:00" in ordinary_friday


def test_the_team_s_own_calendar_wins_and_the_notice_uses_its_time_zone(personas):
    makassar = BusinessCalendar.objects.create(name="Makassar office", time_zone="Asia/Makassar")
    for day in range(5):
        OpeningHours.objects.create(calendar=makassar, day=day, opens=dt.time(8), closes=dt.time(17))
    TeamCalendar.objects.create(team=personas.team, calendar=makassar)
    teams_ticket = customer_ticket(team_slug=personas.team.slug, sender="ani@example.test")
    unassigned = customer_ticket(sender="budi@example.test")
    assert teams_ticket.team_id == personas.team.pk and unassigned.team_id is None
    with translation.override("en"):
        notice = out_of_hours_notice(teams_ticket, now=SATURDAY_EVENING)
        assert out_of_hours_notice(unassigned, now=SATURDAY_EVENING) is None  # the default: 24/7
        assert out_of_hours_notice(teams_ticket, now=MONDAY_MORNING) is None  # 11.00 WITA
    assert notice == (
        "Our team is not at work right now. We will answer from Monday, 17 November 2025 08:00 (WITA)."
    )


def test_a_calendar_that_never_opens_gives_no_notice_and_a_warning(personas, caplog):
    closed = BusinessCalendar.objects.create(name="Closed", observe_holidays=False)
    TeamCalendar.objects.create(team=personas.team, calendar=closed)
    ticket = customer_ticket(team_slug=personas.team.slug)
    assert out_of_hours_notice(ticket, now=SATURDAY_EVENING) is None
    assert "no opening hours" in caplog.text


def test_the_out_of_hours_text_setting_replaces_the_sentence(
    ingest, mailoutbox, settings, weekday_weekend_calendar
):
    settings.OUT_OF_HOURS_TEXT = "Tim kami libur. Kami balas mulai {next_open}."
    with time_machine.travel(SATURDAY_EVENING):
        ingest("english_customer.eml")
    assert f"Tim kami libur. Kami balas mulai {SUNDAY_OPENING_EN}." in mailoutbox[0].body


def test_within_opening_hours_there_is_no_out_of_hours_notice(ingest, mailoutbox, weekday_weekend_calendar):
    with time_machine.travel(MONDAY_MORNING):
        ingest("gmail_plain_id.eml")
        ingest("reply_references_stored_customer_id.eml")
    assert len(mailoutbox) == 1
    assert "2025" not in mailoutbox[0].body and "(WIB)" not in mailoutbox[0].body


def test_a_follow_up_out_of_hours_gets_one_notice_per_ticket_per_night(
    ingest, mailoutbox, weekday_weekend_calendar
):
    with time_machine.travel(FRIDAY_NOON):
        ingest("gmail_plain_id.eml")  # Friday noon: acknowledgement only
    with time_machine.travel(SATURDAY_EVENING):
        ingest("reply_references_stored_customer_id.eml")
        raw = (
            b"From: Budi Santoso <budi.santoso@gmail.example>\nTo: cs@tokoku.example\n"
            b"Message-ID: <third@mail.gmail.example>\n"
            b"In-Reply-To: <CAJx8Zq1YbP9fk2v3N0uQ+Zr2cG=Hs8mWq7Lz@mail.gmail.example>\nSubject: Re: x\n\nHalo?\n"
        )
        ingest(raw)
    assert [m.extra_headers.get("Auto-Submitted") for m in mailoutbox] == ["auto-replied", "auto-replied"]
    assert "2025" not in mailoutbox[0].body
    assert SUNDAY_OPENING_ID in mailoutbox[1].body
    assert SentEmail.objects.filter(kind=SentEmail.Kind.OUT_OF_HOURS).count() == 1


def test_a_loop_with_an_always_auto_replying_address_stays_bounded(ingest, mailoutbox, settings):
    """A robot that answers every mail with a fresh, unmarked message (the worst case: no
    Auto-Submitted, no threading headers) gets at most the per-recipient cap, then silence."""
    settings.EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT = 3
    rounds = 0
    ingest(
        b"From: robot@loop.example\nTo: cs@tokoku.example\nMessage-ID: <r0@loop.example>\nSubject: hi\n\nhi\n"
    )
    while rounds < 50:
        answered = len(mailoutbox)
        if answered <= rounds:
            break
        rounds += 1
        # The robot answers our latest mail with a brand-new message.
        ingest(
            f"From: robot@loop.example\nTo: cs@tokoku.example\nMessage-ID: <r{rounds}@loop.example>\n"
            f"Subject: Terima kasih atas email anda {rounds}\n\nPesan otomatis {rounds}\n".encode()
        )
    assert rounds == 3
    assert len(mailoutbox) == 3
    assert Ticket.objects.count() == 4  # the robot's mail is kept, just not answered


def test_a_loop_on_one_ticket_stops_at_the_per_ticket_cap(ingest, mailoutbox, weekday_weekend_calendar):
    with time_machine.travel(SATURDAY_EVENING):
        ingest(b"From: robot@loop.example\nMessage-ID: <t0@loop.example>\nSubject: hi\n\nhi\n")
        for number in range(1, 20):
            # A robot that keeps threading, but changes nothing else: each is a follow-up out of hours.
            ingest(
                f"From: robot@loop.example\nMessage-ID: <t{number}@loop.example>\nIn-Reply-To: <t0@loop.example>\n"
                f"Subject: Re: hi\n\nauto {number}\n".encode()
            )
    assert len(mailoutbox) == 1  # the acknowledgement (with the out-of-hours notice), then silence
    assert SUNDAY_OPENING_ID in mailoutbox[0].body
    assert Ticket.objects.count() == 1


def test_no_automatic_mail_goes_to_an_address_that_bounced(sent_reply, ingest, mailoutbox):
    ingest("dsn_bounce_postfix.eml", OUR_MESSAGE_ID=sent_reply.external_id, RECIPIENT="budi@example.test")
    mailoutbox.clear()
    ingest(b"From: budi@example.test\nMessage-ID: <new-one@example.test>\nSubject: baru\n\nhalo\n")
    assert mailoutbox == []


def test_automatic_detection_reads_the_headers_real_responders_use():
    def reason(headers: str) -> str:
        raw = f"From: someone@example.test\nMessage-ID: <a@b>\n{headers}\n\nx\n".encode()
        parsed = adapter.parse(raw)
        assert isinstance(parsed, adapter.ParsedEmail)
        return str(parsed.message.metadata.get("automatic", ""))

    assert reason("Auto-Submitted: no") == ""
    assert reason("Auto-Submitted: auto-generated").startswith("auto-submitted")
    assert reason("Precedence: list") == "precedence: list"
    assert reason("Precedence: first-class") == ""
    assert reason("Return-Path: <>") == "empty return-path"
    assert reason("List-Id: <promo.list.example>") == "mailing list"
    assert reason("X-Spam-Flag: YES") == "spam"


@pytest.mark.parametrize(
    "address",
    [
        "noreply.shop@tokopedia.example",
        "notifications-noreply@linkedin.example",
        "no_reply@bank.example",
        "donotreply@pajak.example",
        "do-not-reply@airline.example",
        "do_not_reply@x.example",
        "NoReply+promo@shop.example",
        "info.noreply@shop.example",
        "mailer-daemon@mx.example",
        "bounces+123-abc@sendgrid.example",
        "auto-reply@helpdesk.example",
    ],
)
def test_no_reply_senders_are_recognised_in_their_many_spellings(address):
    assert is_machine_address(address)


@pytest.mark.parametrize(
    "address",
    ["budi@example.test", "noreplyanto@gmail.example", "renoreply@x.example", "notifications@x.example"],
)
def test_people_are_not_mistaken_for_no_reply_senders(address):
    assert not is_machine_address(address)


def _robot_mail(number: int, *, marked: bool = False) -> bytes:
    auto = "Auto-Submitted: auto-replied\n" if marked else ""
    return (
        f"From: robot@loop.example\nTo: cs@tokoku.example\nMessage-ID: <w{number}@loop.example>\n{auto}"
        f"Subject: Laporan otomatis {number}\n\nPesan {number}\n"
    ).encode()


def test_after_the_cap_an_unmarked_robot_gets_nothing_in_later_windows(ingest, mailoutbox, settings):
    """A robot writing every 10 minutes without marking its mail: the cap stops us for good, not per hour."""
    settings.EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT = 3
    settings.EMAIL_AUTO_REPLY_WINDOW_MINUTES = 60
    start = dt.datetime(2025, 11, 17, 10, 0, tzinfo=JAKARTA)
    with time_machine.travel(start, tick=False) as clock:
        for number in range(6 * 5):  # five windows
            ingest(_robot_mail(number))
            clock.shift(dt.timedelta(minutes=10))
        assert len(mailoutbox) == 3
        assert EmailAddressStatus.objects.get(address="robot@loop.example").auto_mail_paused_at is not None
        clock.move_to(start + dt.timedelta(hours=25))  # the long cool-off
        for number in range(100, 106):
            ingest(_robot_mail(number))
            clock.shift(dt.timedelta(minutes=10))
    assert len(mailoutbox) == 6  # one more cap's worth a day, no more


def test_a_person_writing_after_a_quiet_spell_lifts_the_pause(ingest, mailoutbox, settings):
    settings.EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT = 2
    start = dt.datetime(2025, 11, 17, 10, 0, tzinfo=JAKARTA)
    with time_machine.travel(start, tick=False) as clock:
        for number in range(4):
            ingest(_robot_mail(number))
            clock.shift(dt.timedelta(minutes=1))
        assert len(mailoutbox) == 2
        clock.shift(dt.timedelta(hours=3))
        ingest(_robot_mail(50, marked=True))  # machine mail lifts nothing
        assert len(mailoutbox) == 2
        clock.shift(dt.timedelta(hours=2))
        ingest(
            b"From: robot@loop.example\nTo: cs@tokoku.example\nMessage-ID: <person@loop.example>\n"
            b"Subject: Maaf, sistem kami kemarin error\n\nMohon abaikan email otomatis kami kemarin.\n"
        )
    assert len(mailoutbox) == 3
    assert EmailAddressStatus.objects.get(address="robot@loop.example").auto_mail_paused_at is None
