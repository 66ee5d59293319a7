"""The one way raw mail enters: store it as an InboundEvent, then process it after commit.

The raw endpoint, Anymail's inbound webhooks, the IMAP poller and ``manage.py ingest_email`` all call
``store_raw``; ``process_event`` turns a stored event into a ticket message (or a quarantine entry, or a
recorded bounce) and is what the Celery task, the periodic sweep and the admin's "reprocess" run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.accounts import cached
from channels_intake.email import adapter, automatic
from channels_intake.models import InboundEvent
from channels_intake.retention import settle
from supportdesk.queue import enqueue_on_commit

log = logging.getLogger(__name__)
EMAIL = "email"


def oversize_stub(prefix: bytes, size: int) -> bytes:
    """What is kept of a message over EMAIL_MAX_RAW_BYTES: its headers and a marker with its size."""
    normalised = prefix.replace(b"\r\n", b"\n")
    head, sep, _body = normalised.partition(b"\n\n")
    if not sep:
        head = head[:65536].rsplit(b"\n", 1)[0]
    marker = f"{adapter.OVERSIZE_HEADER}: {size}".encode("ascii")
    return head.rstrip(b"\n") + b"\n" + marker + b"\nContent-Type: text/plain; charset=utf-8\n\n"


def limit_raw(raw: bytes) -> bytes:
    if len(raw) > settings.EMAIL_MAX_RAW_BYTES:
        return oversize_stub(raw[:262144], len(raw))
    return raw


def store_raw(
    raw: bytes, *, source: str, account: str = "", headers: dict[str, object] | None = None
) -> InboundEvent:
    """Keep ``raw`` (cut to its headers when oversize) and queue its processing after commit."""
    with transaction.atomic():
        event = InboundEvent.objects.create(
            channel=EMAIL,
            source=source[:50],
            account=account[:100],
            body=limit_raw(raw),
            headers=headers or {},
        )
        queue_processing(event)
    return event


def queue_processing(event: InboundEvent) -> None:
    from channels_intake.email import tasks

    enqueue_on_commit(tasks.process_email_event, event.pk)


def own_addresses() -> frozenset[str]:
    """Addresses that are us: never a customer, never a participant.

    Kept in this process for CHANNEL_ACCOUNT_CACHE_SECONDS, like the channel accounts (every message
    needs them; they change a few times a year): a saved mailbox applies here at once, a team's new
    address (and anything in other processes) within that time.
    """
    return cached(("email-own-addresses",), _load_own_addresses)


def _load_own_addresses() -> frozenset[str]:
    from channels_intake.email.models import Mailbox
    from tickets.models import Team

    candidates = [settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL, settings.SUPPORT_REPLY_TO]
    candidates += list(settings.EMAIL_OWN_ADDRESSES)
    teams = Team.objects.exclude(email="").order_by().values_list("email", flat=True)
    candidates += list(
        teams.union(Mailbox.objects.order_by().values_list("username", flat=True))
    )  # one query
    found = set()
    for value in candidates:
        address = str(value).rsplit("<", 1)[-1].strip().rstrip(">").strip().lower()
        if "@" in address:
            found.add(address)
    return frozenset(found)


@dataclass(frozen=True)
class Outcome:
    state: str
    ticket_ids: tuple[int, ...] = ()
    note: str = ""
    reference: str = ""


def process_event(event: InboundEvent) -> Outcome:
    """Turn one stored email event into its effect and record the outcome on the event.

    A mail's effect and its outcome commit together (one transaction; the parsing happens before it).
    Idempotent: an event processed twice finds its message already stored (the Message-ID dedupe).
    """
    if event.source.startswith("anymail-tracking"):
        from channels_intake.email.tracking import process_tracking_event

        outcome = process_tracking_event(event)
        _record(event, outcome)
        return outcome
    parsed = adapter.parse(bytes(event.body), own_addresses=own_addresses())
    with transaction.atomic():
        outcome = _process_mail(event, parsed)
        _record(event, outcome)
    return outcome


def _record(event: InboundEvent, outcome: Outcome) -> None:
    if outcome.state != InboundEvent.State.PENDING:
        event.state = outcome.state
        event.error = outcome.note[:5000]
        event.ticket_ids = list(outcome.ticket_ids)
        event.processed_at = timezone.now()
        # The raw mail (full card numbers, OTPs) goes once settled: channels_intake/retention.py.
        event.save(update_fields=settle(event, ["state", "error", "ticket_ids", "processed_at"]))


def _process_mail(event: InboundEvent, parsed: adapter.ParsedEmail | adapter.Quarantine) -> Outcome:
    """Precondition: inside the transaction that records the outcome."""
    from tickets.actions import add_note, receive_message

    if isinstance(parsed, adapter.Quarantine):
        log.warning("Email event %s quarantined: %s", event.pk, parsed.reason)
        return Outcome(InboundEvent.State.QUARANTINED, note=parsed.reason)
    if parsed.bounce is not None:
        marked = automatic.record_bounce(parsed.bounce)
        note = f"Bounce ({'permanent' if parsed.bounce.permanent else 'temporary'}): {parsed.bounce.reason}"
        return Outcome(InboundEvent.State.IGNORED, note=f"{note}; messages marked failed: {marked or 'none'}")
    inbound = parsed.message
    if event.headers.get("spam_detected"):  # the ESP's spam filter: no automatic answer (backscatter)
        inbound = replace(inbound, is_automatic=True, metadata={**inbound.metadata, "spam": True})
    received = receive_message(inbound)
    if not received.duplicate:
        notes = [dropped_note(item) for item in parsed.dropped]
        if notes:
            add_note(received.ticket, by=None, text="\n".join(notes))
        if not received.created_ticket and not inbound.is_automatic:
            from channels_intake.email import tasks

            enqueue_on_commit(tasks.send_out_of_hours_reply, received.ticket.pk)
    note = "duplicate of an earlier delivery" if received.duplicate else ""
    return Outcome(
        InboundEvent.State.PROCESSED,
        ticket_ids=(received.ticket.pk,),
        note=note,
        reference=received.ticket.reference,
    )


def dropped_note(item: adapter.Dropped) -> str:
    size = f"{item.size / (1024 * 1024):.1f} MB"
    limits = {
        "part_too_large": settings.EMAIL_MAX_PART_BYTES,
        "message_too_large": settings.EMAIL_MAX_MESSAGE_BYTES,
        "oversize": settings.EMAIL_MAX_RAW_BYTES,
    }
    limit = f"{limits.get(item.reason, 0) / (1024 * 1024):.0f} MB"
    if item.reason == "oversize":
        return _(
            "This email was %(size)s, over the %(limit)s limit: only its headers were kept. "
            "Ask the customer to send the files another way."
        ) % {"size": size, "limit": limit}
    if item.reason == "text_truncated":
        return _("The text of this email was cut: it was too long to store whole.")
    if item.reason == "too_many_parts":
        return _("“%(name)s” was not stored: the email has too many parts.") % {"name": item.name}
    return _("“%(name)s” (%(size)s) was not stored: over the %(limit)s limit for email attachments.") % {
        "name": item.name,
        "size": size,
        "limit": limit,
    }
