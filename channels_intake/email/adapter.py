"""Raw MIME bytes -> InboundMessage. Pure (no database, no network) and it never raises.

Real mail is messy: missing headers, unknown or lying charsets, raw 8-bit headers, broken multipart
boundaries, nested forwards. Everything is decoded best-effort; only a message with no usable sender (and
that is not a bounce) is refused, as a Quarantine with the reason. Bounces come back as a ParsedEmail
with ``bounce`` set: they are reports about our mail, never a customer's message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from channels_intake.email import quoting
from channels_intake.email.automatic import (
    Bounce,
    automatic_reason,
    header_map,
    is_machine_address,
    parse_bounce,
)
from channels_intake.email.charsets import clean_text, decode_bytes, decode_header
from channels_intake.email.html_text import html_to_text
from channels_intake.email.message_ids import ticket_from_references
from tickets.inbound import InboundAttachment, InboundMessage, SenderIdentity
from tickets.models import Channel, IdentityKind

OVERSIZE_HEADER = "X-SupportDesk-Oversize"
MAX_TEXT_CHARS = 1_000_000  # one body part's text; longer text is cut with a note
MAX_ATTACHMENTS = 100
MAX_DEPTH = 25
MAX_PARTICIPANTS = 10
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,490}>")
_TICKET_TAG = re.compile(r"#SD-(\d{1,12})\b", re.IGNORECASE)
_REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "text/rfc822-headers",
    "message/global-headers",
    "message/feedback-report",
}
_ENGLISH = {
    "the",
    "and",
    "is",
    "my",
    "order",
    "please",
    "have",
    "not",
    "you",
    "i",
    "was",
    "with",
    "hello",
    "thanks",
}
_INDONESIAN = {
    "saya",
    "yang",
    "dan",
    "tidak",
    "belum",
    "pesanan",
    "mohon",
    "terima",
    "kasih",
    "sudah",
    "ini",
    "untuk",
}


@dataclass(frozen=True)
class Dropped:
    """A part not stored: ``reason`` is "part_too_large", "message_too_large", "too_many_parts",
    "text_truncated" or "oversize" (the whole body: only headers reached us)."""

    name: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedEmail:
    message: InboundMessage
    bounce: Bounce | None = None
    dropped: tuple[Dropped, ...] = ()


@dataclass(frozen=True)
class Quarantine:
    reason: str


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    reports: list[tuple[str, bytes]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    stored_bytes: int = 0


def parse(
    raw: bytes,
    *,
    own_addresses: frozenset[str] = frozenset(),
    max_part_bytes: int | None = None,
    max_message_bytes: int | None = None,
) -> ParsedEmail | Quarantine:
    """Understand ``raw`` as well as it can be understood. Never raises."""
    try:
        return _parse(
            bytes(raw),
            own_addresses=frozenset(a.lower() for a in own_addresses),
            max_part=max_part_bytes or settings.EMAIL_MAX_PART_BYTES,
            max_total=max_message_bytes or settings.EMAIL_MAX_MESSAGE_BYTES,
        )
    except Exception as error:  # the promise is "never raises": an unforeseen failure is a quarantine
        return Quarantine(
            _("The message could not be read (%(error)s).")
            % {"error": f"{error.__class__.__name__}: {str(error)[:200]}"}
        )


def _parse(
    raw: bytes, *, own_addresses: frozenset[str], max_part: int, max_total: int
) -> ParsedEmail | Quarantine:
    if not raw.strip():
        return Quarantine(_("The message is empty."))
    if raw.startswith(b"From ") and b"\n" in raw:  # an mbox "From " line before the headers
        raw = raw.split(b"\n", 1)[1]
    mime: MimeMessage
    try:
        mime = BytesParser(policy=policy.default).parsebytes(raw)
        body = _Body()
        _walk(mime, body, max_part=max_part, max_total=max_total, depth=0)
    except Exception:
        mime = BytesParser(policy=policy.compat32).parsebytes(raw)
        body = _Body()
        _walk(mime, body, max_part=max_part, max_total=max_total, depth=0)
    headers = header_map(mime.raw_items())
    sender = _sender(headers)
    raw_text = decode_bytes(raw[:2_000_000], "latin-1")[0]
    bounce = parse_bounce(
        mime,
        headers=headers,
        sender=sender.address if sender else "",
        raw_text=raw_text,
        report_parts=body.reports,
    )
    if sender is None and bounce is None:
        if not headers:
            return Quarantine(_("This is not an email: no header could be read."))
        return Quarantine(
            _("The message has no valid sender address (From, Reply-To, Sender or Return-Path).")
        )
    if sender is None:
        sender = SenderIdentity(
            kind=IdentityKind.EMAIL, address="mailer-daemon@invalid.invalid", name="Mail Delivery System"
        )
    if OVERSIZE_HEADER.lower() in headers:
        body.dropped.append(Dropped("message", _int(headers[OVERSIZE_HEADER.lower()]), "oversize"))

    subject = headers.get("subject", "")
    plain = "\n\n".join(part for part in body.plain if part.strip())
    html = "\n".join(body.html)
    text = plain if plain.strip() else html_to_text(html) if html else ""
    folded = quoting.fold(text)
    references = _references(headers)
    reason = automatic_reason(headers, sender.address, mime.get_content_type())
    message = InboundMessage(
        channel=Channel.EMAIL,
        external_id=_message_id(headers, raw),
        sender=sender,
        text=folded.visible,
        full_text=folded.full if folded.folded else "",
        html=html,
        subject=subject[:500],
        attachments=tuple(body.attachments),
        sent_at=_date(headers.get("date", "")),
        cc=() if reason else _participants(headers, sender.address, own_addresses),
        references=references,
        ticket_id=ticket_from_references(references),
        subject_ticket_number=_ticket_tag(subject),
        language=_language(headers, folded.visible),
        is_automatic=bool(reason) or bounce is not None,
        metadata=_metadata(headers, sender, reason, body, mime),
    )
    return ParsedEmail(message=message, bounce=bounce, dropped=tuple(body.dropped))


def _walk(part: MimeMessage, body: _Body, *, max_part: int, max_total: int, depth: int) -> None:
    content_type = _content_type(part)
    if depth > MAX_DEPTH:
        body.dropped.append(Dropped("nested parts", 0, "too_many_parts"))
        return
    if content_type in _REPORT_TYPES:
        body.reports.append((content_type, _report_bytes(part)))
        return
    if content_type == "message/rfc822" or (
        part.is_multipart() and not content_type.startswith("multipart/")
    ):
        _forwarded(part, body, max_part=max_part, max_total=max_total, depth=depth)
        return
    if part.is_multipart():
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, MimeMessage):
                _walk(sub, body, max_part=max_part, max_total=max_total, depth=depth + 1)
        return
    if content_type.startswith("multipart/"):  # a multipart without a usable boundary: read it as text
        content_type = "text/plain"
    disposition = _disposition(part)
    filename = _filename(part)
    data = _payload(part)
    if content_type in {"text/plain", "text/html"} and disposition != "attachment" and not filename:
        text = decode_bytes(data, _charset(part))[0]
        if len(text) > MAX_TEXT_CHARS:
            body.dropped.append(Dropped(content_type, len(text), "text_truncated"))
            text = text[:MAX_TEXT_CHARS]
        (body.plain if content_type == "text/plain" else body.html).append(text)
        return
    if not data:
        return
    name = filename or _default_name(content_type, len(body.attachments) + 1)
    for index, item in enumerate(body.attachments):
        if item.content == data:  # the same file twice (an invitation both inline and attached)
            if filename and item.filename.startswith("attachment-"):
                body.attachments[index] = InboundAttachment(
                    filename, data, item.content_type, item.content_id
                )
            return
    if len(body.attachments) >= MAX_ATTACHMENTS:
        body.dropped.append(Dropped(name, len(data), "too_many_parts"))
    elif len(data) > max_part:
        body.dropped.append(Dropped(name, len(data), "part_too_large"))
    elif body.stored_bytes + len(data) > max_total:
        body.dropped.append(Dropped(name, len(data), "message_too_large"))
    else:
        body.stored_bytes += len(data)
        content_id = decode_header(part.get("Content-ID", "")).strip("<> ") if part.get("Content-ID") else ""
        body.attachments.append(InboundAttachment(name, data, content_type, content_id[:255]))


def _forwarded(part: MimeMessage, body: _Body, *, max_part: int, max_total: int, depth: int) -> None:
    """A forwarded message: kept whole as an .eml attachment, its text added under a marker line."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, MimeMessage):
        return
    try:
        data = inner.as_bytes(policy=policy.compat32)
    except Exception:
        data = b""
    inner_headers = header_map(inner.raw_items())
    inner_body = _Body()
    _walk(inner, inner_body, max_part=max_part, max_total=max_total - body.stored_bytes, depth=depth + 1)
    text = "\n".join(inner_body.plain) or html_to_text("\n".join(inner_body.html))
    lines = ["---------- Forwarded message ----------"]
    for name in ("from", "date", "subject", "to"):
        if inner_headers.get(name):
            lines.append(f"{name.capitalize()}: {inner_headers[name]}")
    body.plain.append("\n".join(lines) + "\n\n" + text)
    subject = re.sub(r"[^\w .-]+", "", inner_headers.get("subject", ""))[:80].strip() or "forwarded"
    if data and len(data) <= max_part and body.stored_bytes + len(data) <= max_total:
        body.stored_bytes += len(data)
        body.attachments.append(InboundAttachment(f"{subject}.eml", data, "message/rfc822"))
    elif data:
        body.dropped.append(Dropped(f"{subject}.eml", len(data), "part_too_large"))


def _content_type(part: MimeMessage) -> str:
    try:
        return str(part.get_content_type()).lower()
    except Exception:
        return "application/octet-stream"


def _disposition(part: MimeMessage) -> str:
    try:
        return str(part.get_content_disposition() or "")
    except Exception:
        return ""


def _charset(part: MimeMessage) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return str(value) if value else None


def _filename(part: MimeMessage) -> str:
    name: object
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        try:
            name = part.get_param("name") or ""
        except Exception:
            name = ""
        if isinstance(name, tuple):
            name = name[2]
    return clean_text(decode_header(str(name)))[:255] if name else ""


def _payload(part: MimeMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        raw = part.get_payload()
        data = raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""
    return data if isinstance(data, bytes) else b""


def _report_bytes(part: MimeMessage) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        chunks = []
        for item in payload:
            if not isinstance(item, MimeMessage):
                continue
            try:
                chunks.append(item.as_bytes(policy=policy.compat32))
            except Exception:  # noqa: S112 - an unreadable part of a report is skipped
                continue
        return b"\n".join(chunks)
    return _payload(part)


def _default_name(content_type: str, number: int) -> str:
    extension = {
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "application/pdf": "pdf",
        "text/calendar": "ics",
        "text/plain": "txt",
        "text/html": "html",
    }.get(content_type, "bin")
    return f"attachment-{number}.{extension}"


def _valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return True


def _addresses(value: str) -> list[tuple[str, str]]:
    pairs = []
    for name, address in getaddresses([value]):
        address = address.strip().strip("<>").lower()
        if address and _valid(address):
            pairs.append((clean_text(name).strip().strip('"')[:200], address))
    return pairs


def _sender(headers: dict[str, str]) -> SenderIdentity | None:
    """From; its Reply-To when From is a no-reply address (shop and form relays); else Sender/Return-Path."""
    from_pairs = _addresses(headers.get("from", ""))
    reply_to = _addresses(headers.get("reply-to", ""))
    if (
        from_pairs
        and is_machine_address(from_pairs[0][1])
        and reply_to
        and not is_machine_address(reply_to[0][1])
    ):
        name, address = reply_to[0]
        return SenderIdentity(kind=IdentityKind.EMAIL, address=address, name=name or from_pairs[0][0])
    for pairs in (
        from_pairs,
        reply_to,
        _addresses(headers.get("sender", "")),
        _addresses(headers.get("return-path", "")),
    ):
        if pairs:
            name, address = pairs[0]
            return SenderIdentity(kind=IdentityKind.EMAIL, address=address, name=name)
    return None


def _participants(headers: dict[str, str], sender: str, own: frozenset[str]) -> tuple[SenderIdentity, ...]:
    """Other people the customer wrote to (Cc and extra To), never our own addresses."""
    seen = {sender.lower()}
    people: list[SenderIdentity] = []
    for name, address in _addresses(headers.get("cc", "")) + _addresses(headers.get("to", "")):
        if address in seen or address in own or is_machine_address(address):
            continue
        seen.add(address)
        people.append(SenderIdentity(kind=IdentityKind.EMAIL, address=address, name=name))
    return tuple(people[:MAX_PARTICIPANTS])


def _message_id(headers: dict[str, str], raw: bytes) -> str:
    value = headers.get("message-id", "")
    match = _MESSAGE_ID.search(value)
    if match:
        return match.group(0)
    token = value.strip().strip("<>")
    if token and " " not in token and len(token) < 490:
        return f"<{token}>"
    # No Message-ID: the same message delivered twice still gets the same id (the body and the
    # headers the sender wrote, not the Received lines each hop adds).
    _head, _sep, tail = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    digest = hashlib.sha256()
    for name in ("from", "to", "date", "subject"):
        digest.update(headers.get(name, "").encode("utf-8", errors="replace") + b"\0")
    digest.update(tail)
    return f"<missing.{digest.hexdigest()[:40]}@supportdesk.invalid>"


def _references(headers: dict[str, str]) -> tuple[str, ...]:
    """Referenced Message-IDs, most relevant first: In-Reply-To, then References newest first."""
    found: list[str] = []
    candidates = _MESSAGE_ID.findall(headers.get("in-reply-to", ""))
    candidates += list(reversed(_MESSAGE_ID.findall(headers.get("references", ""))))
    for value in candidates:
        if value not in found:
            found.append(value)
    return tuple(found[:50])


def _ticket_tag(subject: str) -> int | None:
    match = _TICKET_TAG.search(subject)
    return int(match.group(1)) if match else None


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _language(headers: dict[str, str], text: str) -> str:
    declared = headers.get("content-language", "").strip().lower()[:2]
    if declared in {"en", "id"}:
        return declared
    words = re.findall(r"[a-z]+", text[:3000].lower())
    english = sum(1 for word in words if word in _ENGLISH)
    indonesian = sum(1 for word in words if word in _INDONESIAN)
    return "en" if english >= 3 and english > 2 * indonesian else ""


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


def _metadata(
    headers: dict[str, str], sender: SenderIdentity, reason: str, body: _Body, mime: MimeMessage
) -> dict[str, object]:
    data: dict[str, object] = {"from": sender.address}
    to = [address for _name, address in _addresses(headers.get("to", ""))]
    if to:
        data["to"] = to[:20]
    if reason:
        data["automatic"] = reason
    if "message-id" not in headers:
        data["message_id_missing"] = True
    if headers.get("x-spam-flag", "").lower() == "yes" or headers.get("x-mailgun-sflag", "").lower() == "yes":
        data["spam"] = True
    defects = len(getattr(mime, "defects", []) or [])
    if defects:
        data["mime_defects"] = defects
    if body.dropped:
        data["dropped"] = [
            {"name": item.name, "size": item.size, "reason": item.reason} for item in body.dropped
        ]
    return data
