"""Raw MIME bytes -> InboundMessage. Pure (no database, no network) and it never raises.

Real mail is messy: missing headers, unknown or lying charsets, raw 8-bit headers, broken multipart
boundaries, nested forwards. Everything is decoded best-effort; only a message with no usable sender (and
that is not a bounce) is refused, as a Quarantine with the reason. Bounces come back as a ParsedEmail
with ``bounce`` set: they are reports about our mail, never a customer's message.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
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
from channels_intake.email.charsets import clean_text, decode_bytes
from channels_intake.email.html_text import html_to_text
from channels_intake.email.message_ids import ticket_from_references
from channels_intake.email.mime_parts import Body, Dropped, walk
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import Channel, IdentityKind

OVERSIZE_HEADER = "X-SupportDesk-Oversize"
MAX_PARTICIPANTS = 10
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,490}>")
_TICKET_TAG = re.compile(r"#SD-(\d{1,12})\b", re.IGNORECASE)
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


class _ParsedHeaderPolicy(EmailPolicy):
    """``policy.default`` that parses each distinct header once.

    The standard library re-parses a header on every ``get()`` (a part's Content-Type about a dozen
    times per message, building a new header class each time): two thirds of parsing went there. Header
    objects are immutable, so one parse per (name, value) is shared, in an LRU cache sized for a few
    messages: a parsed header keeps its parse tree, ~12 KB each (256 entries: ~3 MB).
    """

    def header_fetch_parse(self, name, value):  # type: ignore[no-untyped-def]
        if hasattr(value, "name"):  # already a header object
            return value
        return _parsed_header(name, value)


@functools.lru_cache(maxsize=256)
def _parsed_header(name: str, value: str):  # type: ignore[no-untyped-def]
    return policy.default.header_fetch_parse(name, value)


PARSE_POLICY = _ParsedHeaderPolicy()


@dataclass(frozen=True)
class ParsedEmail:
    message: InboundMessage
    bounce: Bounce | None = None
    dropped: tuple[Dropped, ...] = ()


@dataclass(frozen=True)
class Quarantine:
    reason: str


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
        mime = BytesParser(policy=PARSE_POLICY).parsebytes(raw)
        body = Body()
        walk(mime, body, max_part=max_part, max_total=max_total, depth=0)
    except Exception:
        mime = BytesParser(policy=policy.compat32).parsebytes(raw)
        body = Body()
        walk(mime, body, max_part=max_part, max_total=max_total, depth=0)
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
    headers: dict[str, str], sender: SenderIdentity, reason: str, body: Body, mime: MimeMessage
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
