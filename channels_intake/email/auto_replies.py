"""Automatic mail we send (acknowledgements, out-of-hours replies) and the cap that stops mail loops.

Two auto-responders answering each other forever is the classic helpdesk failure. Every automatic mail
goes through ``send_automatic``, which holds a row lock on the recipient's EmailAddressStatus while it
counts what was sent: at most EMAIL_AUTO_REPLY_MAX_PER_TICKET per ticket and
EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT per address in any EMAIL_AUTO_REPLY_WINDOW_MINUTES (reaching it pauses
automatic mail to the address until a person writes from it again, or a day passes), and nothing to an
address that bounced or complained. Mail marked automatic never gets an automatic answer (receive_message
skips the acknowledgement; the out-of-hours reply checks the message).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from channels_intake.email.message_ids import make_message_id
from channels_intake.email.models import EmailAddressStatus, SentEmail
from sla.calendar import ScheduleError
from sla.schedules import next_opening
from tickets.models import Channel, Direction, IdentityKind, Message, Ticket
from tickets.notifications import AUTOMATIC_HEADERS

log = logging.getLogger(__name__)
OUT_OF_HOURS_REPEAT = dt.timedelta(hours=12)


def out_of_hours_notice(ticket: Ticket, *, now: dt.datetime | None = None) -> str | None:
    """The sentence telling this ticket's customer when we will answer, or None while the team is open.

    Opening hours are the SLA business calendars: the ticket's team calendar, else the default calendar
    (no calendar at all counts as always open). The time is given in that calendar's time zone. Call
    inside translation.override(customer's language).
    """
    at = now or timezone.now()
    try:
        opens = next_opening(ticket.team_id, at=at)
    except ScheduleError as error:  # a calendar with no opening hours at all: say nothing about hours
        log.warning("No out-of-hours notice for ticket %s: %s", ticket.pk, error)
        return None
    if opens <= at:
        return None
    when = formats.date_format(opens, "l, j F Y H:i")
    if settings.OUT_OF_HOURS_TEXT:
        return settings.OUT_OF_HOURS_TEXT.replace("{next_open}", when)
    return _("Our team is not at work right now. We will answer from %(when)s (%(zone)s).") % {
        "when": when,
        "zone": opens.tzname(),
    }


def may_auto_reply(ticket: Ticket, status: EmailAddressStatus) -> bool:
    """Whether one more automatic mail about ``ticket`` may go to ``status.address``.

    Precondition: the caller holds the row lock on ``status`` (send_automatic does). Reaching the cap
    pauses automatic mail to the address (saved here): a window that slides on would let an always-
    answering robot get the cap's worth every hour forever. The pause ends when the address writes a
    message that is not automatic after a quiet spell of one window (a robot's instant answers to our
    last mails do not count), or after EMAIL_AUTO_REPLY_COOL_OFF_HOURS.
    """
    now = timezone.now()
    window = dt.timedelta(minutes=settings.EMAIL_AUTO_REPLY_WINDOW_MINUTES)
    if status.auto_mail_paused_at is not None:
        cooled_off = now - status.auto_mail_paused_at >= dt.timedelta(
            hours=settings.EMAIL_AUTO_REPLY_COOL_OFF_HOURS
        )
        if not cooled_off and not _wrote_like_a_person(status.address, since=status.auto_mail_paused_at):
            return False
        status.auto_mail_paused_at = None
        status.save(update_fields=["auto_mail_paused_at"])
    recent = SentEmail.objects.filter(recipient=status.address, sent_at__gte=now - window).exclude(
        kind=SentEmail.Kind.REPLY
    )
    if recent.count() >= settings.EMAIL_AUTO_REPLY_MAX_PER_RECIPIENT:
        status.auto_mail_paused_at = now
        status.save(update_fields=["auto_mail_paused_at"])
        return False
    return recent.filter(ticket=ticket).count() < settings.EMAIL_AUTO_REPLY_MAX_PER_TICKET


def _wrote_like_a_person(address: str, *, since: dt.datetime) -> bool:
    """A message from ``address`` after ``since`` that is not automatic and came after a quiet spell."""
    quiet = dt.timedelta(minutes=settings.EMAIL_AUTO_REPLY_WINDOW_MINUTES)
    arrivals = list(
        Message.objects.filter(
            direction=Direction.INBOUND,
            channel=Channel.EMAIL,
            author_contact__identities__kind=IdentityKind.EMAIL,
            author_contact__identities__address=address,
            created_at__gte=since - quiet,
        )
        .order_by("created_at")
        .values_list("created_at", "is_automatic")[:500]
    )
    previous: dt.datetime | None = None
    for created_at, is_automatic in arrivals:
        if created_at > since and not is_automatic and (previous is None or created_at - previous >= quiet):
            return True
        previous = created_at
    return False


def send_automatic(ticket: Ticket, *, kind: str, subject: str, body: str) -> bool:
    """Send automatic mail about ``ticket`` to its customer, within the loop cap. False if not sent."""
    recipient = ticket.contact.email.lower()
    if not recipient:
        return False
    references = _inbound_ids(ticket)
    message_id = make_message_id(ticket.pk)
    headers = {"Message-ID": message_id, **AUTOMATIC_HEADERS, "X-Loop": _our_address()}
    if references:
        headers["In-Reply-To"] = references[-1]
        headers["References"] = " ".join(references[-10:])
    with transaction.atomic():
        status, _created = EmailAddressStatus.objects.get_or_create(address=recipient)
        status = EmailAddressStatus.objects.select_for_update().get(pk=status.pk)
        if status.suppressed:
            log.info("No %s to %s: the address bounced or complained.", kind, recipient)
            return False
        if not may_auto_reply(ticket, status):
            log.warning("No %s to %s for ticket %s: automatic mail cap reached.", kind, recipient, ticket.pk)
            return False
        reply_to = settings.SUPPORT_REPLY_TO or settings.DEFAULT_FROM_EMAIL
        email = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient],
            reply_to=[reply_to],
            headers=headers,
        )
        email.send()
        esp_id = esp_message_id(email)
        SentEmail.objects.create(
            ticket=ticket, kind=kind, recipient=recipient, rfc_message_id=message_id, esp_message_id=esp_id
        )
    return True


def send_out_of_hours_reply(ticket: Ticket) -> bool:
    """A customer wrote again while the team is away: say when we answer (once per 12 hours per ticket)."""
    last = ticket.messages.filter(direction=Direction.INBOUND).order_by("-created_at").first()
    if last is None or last.is_automatic:
        return False
    recent = SentEmail.objects.filter(
        ticket=ticket, kind__in=[SentEmail.Kind.OUT_OF_HOURS, SentEmail.Kind.ACKNOWLEDGEMENT]
    ).filter(sent_at__gte=timezone.now() - OUT_OF_HOURS_REPEAT)
    if recent.exists():
        return False
    with translation.override(ticket.contact.language or "id"):
        notice = out_of_hours_notice(ticket)
        if notice is None:
            return False
        subject = f"[{ticket.reference}] {_strip_tag(ticket.subject, ticket.reference)}"
        body = render_to_string("tickets/email/out_of_hours.txt", {"ticket": ticket, "notice": notice})
    return send_automatic(ticket, kind=SentEmail.Kind.OUT_OF_HOURS, subject=subject, body=body)


def _strip_tag(subject: str, reference: str) -> str:
    return subject.replace(f"[{reference}]", "").strip()


def _inbound_ids(ticket: Ticket) -> list[str]:
    return [
        value
        for value in ticket.messages.filter(direction=Direction.INBOUND, external_id__startswith="<")
        .order_by("created_at")
        .values_list("external_id", flat=True)
        if value
    ]


def _our_address() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()


def esp_message_id(email: EmailMultiAlternatives) -> str:
    """The provider's id for what was just sent (Anymail backends set anymail_status), without the
    angle brackets some providers add: their tracking events send it bare."""
    status = getattr(email, "anymail_status", None)
    value = getattr(status, "message_id", None) if status is not None else None
    if isinstance(value, set | frozenset) and len(value) == 1:
        value = next(iter(value))
    return str(value).strip().strip("<>")[:255] if isinstance(value, str | int) else ""
