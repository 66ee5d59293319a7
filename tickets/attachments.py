"""Storing attachments: type detected from the bytes, content-addressed, checksummed."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass

import puremagic
from django.core.files.base import ContentFile

from tickets.models import Attachment, Message
from tickets.redaction import Redaction, redact

# What the contact form and the status page accept (support policy: jpg/jpeg/png/pdf).
CUSTOMER_UPLOAD_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def detect_content_type(content: bytes, filename: str = "") -> str:
    """The type the bytes really are. Falls back to the name's type only for text-like data."""
    if not content:
        return "application/octet-stream"
    try:
        matches = puremagic.magic_string(content[:8192])
    except (puremagic.PureError, ValueError):
        matches = []
    for match in matches:
        if match.mime_type:
            return str(match.mime_type)
    guessed, _ = mimetypes.guess_type(filename)
    if guessed and guessed.startswith("text/"):
        try:
            content[:4096].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
        return guessed
    return "application/octet-stream"


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def clean_filename(filename: str) -> Redaction:
    """The name without its folders, redacted; the extension is kept apart so "otp 123456.png" keeps
    ".png" (a secret would otherwise run on into it)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().replace("\x00", "") or "attachment"
    extension = _EXTENSION.search(name)
    stem, suffix = (name[: extension.start()], extension.group(0)) if extension else (name, "")
    result = redact(stem)
    result.text = result.text[: 255 - len(suffix)] + suffix
    return result


@dataclass(frozen=True)
class Stored:
    attachment: Attachment
    masked: list[str]  # what the file name's redaction masked ("card", "secret"): the ticket is flagged


def store_attachment(message: Message, *, filename: str, content: bytes, content_id: str = "") -> Stored:
    digest = hashlib.sha256(content).hexdigest()
    name = clean_filename(filename)
    attachment = Attachment(
        message=message,
        filename=name.text,
        content_type=detect_content_type(content, filename),
        size=len(content),
        sha256=digest,
        content_id=content_id.strip("<> ")[:255],
    )
    attachment.file.save(digest, ContentFile(content), save=False)
    attachment.save()
    return Stored(attachment, name.kinds)
