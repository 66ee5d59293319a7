"""The parts of a MIME message: text bodies, attachments, inline images, forwards and reports.

``walk`` visits a parsed message and sorts its leaves into a Body, keeping every size limit: a part over
the limit is recorded as Dropped, never raised. Used by adapter.parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message as MimeMessage

from channels_intake.email.automatic import header_map
from channels_intake.email.charsets import clean_text, decode_bytes, decode_header
from channels_intake.email.html_text import html_to_text
from tickets.inbound import InboundAttachment

MAX_TEXT_CHARS = 1_000_000  # one body part's text; longer text is cut with a note
MAX_ATTACHMENTS = 100
MAX_DEPTH = 25

_REPORT_TYPES = {
    "message/delivery-status",
    "message/global-delivery-status",
    "text/rfc822-headers",
    "message/global-headers",
    "message/feedback-report",
}


@dataclass(frozen=True)
class Dropped:
    """A part not stored: ``reason`` is "part_too_large", "message_too_large", "too_many_parts",
    "text_truncated" or "oversize" (the whole body: only headers reached us)."""

    name: str
    size: int
    reason: str


@dataclass
class Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    reports: list[tuple[str, bytes]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    stored_bytes: int = 0


def walk(part: MimeMessage, body: Body, *, max_part: int, max_total: int, depth: int) -> None:
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
                walk(sub, body, max_part=max_part, max_total=max_total, depth=depth + 1)
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


def _forwarded(part: MimeMessage, body: Body, *, max_part: int, max_total: int, depth: int) -> None:
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
    inner_body = Body()
    walk(inner, inner_body, max_part=max_part, max_total=max_total - body.stored_bytes, depth=depth + 1)
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
