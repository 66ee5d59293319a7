"""How long raw inbound bodies keep what customers typed, and what the admin may show of them.

Raw bodies carry full card numbers and OTPs exactly as customers sent them. The rule:

- An event that is settled (processed, or ignored: nothing to do) has done its job: the ticket holds the
  redacted message and its files. Its body is replaced by a redacted copy in the same transaction that
  records the outcome: JSON payloads are decoded, every string redacted and re-encoded (the JSON stays
  valid; provider ids stay as they are); MIME keeps only its headers, decoded and redacted, and a marker
  with the original's SHA-256 and size.
- Quarantined and pending events keep their raw body, because a retry needs it ("nothing accepted is ever
  lost"). The admin only ever shows a redacted view of it. After RAW_EVENT_RETENTION_DAYS a quarantined
  event's body is redacted too (``sweep_raw_bodies``, hourly): it can still be processed again, with
  masked text. Pending events are never touched: they are still work to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from email import policy
from email.parser import BytesParser

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from channels_intake.models import InboundEvent
from tickets.redaction import redact, redact_data

log = logging.getLogger(__name__)
REDACTED_HEADER = "X-SupportDesk-Redacted"
SWEEP_BATCH = 500
# Keys whose values are provider identifiers (Meta's 16-digit ids can pass a Luhn check) or checksums.
_ID_KEYS = frozenset(
    {"id", "wa_id", "mid", "from", "recipient", "phone_number_id", "display_phone_number", "sha256"}
    | {"timestamp", "time", "url", "mime_type", "message_id", "event_id", "uid", "uidvalidity"}
)
_ID_HEADERS = frozenset({"message-id", "in-reply-to", "references"})  # threading needs them verbatim
_SETTLED = [InboundEvent.State.PROCESSED, InboundEvent.State.IGNORED]


def _is_identifier(key: str) -> bool:
    return key in _ID_KEYS or key.endswith("_id")


def _is_mime(event: InboundEvent) -> bool:
    return event.channel == "email" and not event.source.startswith("anymail-tracking")


def _json(data: bytes) -> object | None:
    if data.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError):
        return None


def _mime_headers(data: bytes) -> list[tuple[str, str]]:
    from channels_intake.email.charsets import decode_header

    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    mime = BytesParser(policy=policy.compat32).parsebytes(head + b"\n\n", headersonly=True)
    return [(name, " ".join(decode_header(value).split())) for name, value in mime.raw_items()]


def redacted_body(event: InboundEvent) -> bytes:
    """What is kept of a settled event's body: no full card number or OTP, still readable."""
    data = bytes(event.body or b"")
    if _is_mime(event):
        lines = [
            f"{name}: {value if name.lower() in _ID_HEADERS else redact(value).text}"
            for name, value in _mime_headers(data)
            if name.lower() not in {"content-type", "content-transfer-encoding"}  # the body is gone
        ]
        digest = hashlib.sha256(data).hexdigest()
        lines += [
            f"{REDACTED_HEADER}: sha256={digest}; size={len(data)}",
            "Content-Type: text/plain; charset=utf-8",
        ]
        return ("\n".join(lines) + "\n\n").encode("utf-8")
    payload = _json(data)
    if payload is not None:
        clean, _kinds = redact_data(payload, keep=_is_identifier)
        return json.dumps(clean, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        return redact(data.decode("utf-8")).text.encode("utf-8")
    except UnicodeDecodeError:  # binary: nothing readable to keep
        return f"{REDACTED_HEADER}: sha256={hashlib.sha256(data).hexdigest()}; size={len(data)}".encode()


def redact_body(event: InboundEvent) -> list[str]:
    """Replace the event's raw body by its redacted copy (once); returns the fields to save.

    Call where the event's outcome is recorded, with the same save.
    """
    if event.body_redacted_at is not None:
        return []
    data = bytes(event.body or b"")
    event.body_sha256 = hashlib.sha256(data).hexdigest()
    event.body_size = len(data)
    event.body = redacted_body(event)
    event.body_redacted_at = timezone.now()
    return ["body", "body_sha256", "body_size", "body_redacted_at"]


def settle(event: InboundEvent, fields: list[str]) -> list[str]:
    """``fields`` plus the body fields when the event's new state lets its raw body go."""
    if event.state in _SETTLED:
        return [*fields, *redact_body(event)]
    return fields


def display_body(event: InboundEvent) -> str | None:
    """The body as the admin shows it: redacted whatever the event's state (JSON pretty-printed);
    None for a body that is not UTF-8 text (the admin shows its size and a hex preview)."""
    data = bytes(event.body or b"")
    payload = _json(data)
    if payload is not None:
        clean, _kinds = redact_data(payload, keep=_is_identifier)
        return json.dumps(clean, indent=2, ensure_ascii=False)
    try:
        return redact(data.decode("utf-8")).text
    except UnicodeDecodeError:
        return None


def display_data(value: object) -> object:
    """Headers and other JSON the admin shows, redacted."""
    return redact_data(value, keep=_is_identifier)[0]


@shared_task(name="channels_intake.retention.sweep_raw_bodies")
def sweep_raw_bodies(now: dt.datetime | None = None) -> int:
    """Redact raw bodies still kept: settled events (older rows, a failed redaction) at any age,
    quarantined ones after RAW_EVENT_RETENTION_DAYS. Bounded batch, one row lock at a time."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RAW_EVENT_RETENTION_DAYS)
    due = (
        InboundEvent.objects.filter(body_redacted_at__isnull=True)
        .exclude(state=InboundEvent.State.PENDING)
        .filter(Q(state__in=_SETTLED) | Q(state=InboundEvent.State.QUARANTINED, received_at__lte=cutoff))
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    done = 0
    for pk in list(due):
        with transaction.atomic():
            event = (
                InboundEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, body_redacted_at__isnull=True)
                .exclude(state=InboundEvent.State.PENDING)
                .first()
            )
            if event is None:  # being processed again right now, or done by another sweep
                continue
            event.save(update_fields=redact_body(event))
            done += 1
    if done:
        log.info("Redacted the raw bodies of %s inbound events", done)
    return done
