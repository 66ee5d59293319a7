"""The one step every message channel (WhatsApp, Instagram, Messenger, X) ends with.

A channel's adapter turns a provider payload into ``Parsed`` — customer messages as InboundMessage,
delivery statuses of our own messages — without touching the database; ``deliver`` then hands each
item to the ticket core and records what follows (media downloads, profile names: channels_intake.fetches).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from channels_intake.statuses import StatusUpdate, WatermarkUpdate, apply_status, apply_watermark
from tickets.actions import receive_message
from tickets.inbound import InboundMessage
from tickets.models import ContactIdentity, Message


@dataclass(frozen=True)
class MediaRef:
    """A file the customer sent that we fetch later: by media id (WhatsApp) or by URL (the others)."""

    key: str  # unique within the message: the provider's media id, or the URL
    kind: str  # image, audio, video, document, sticker, file, story_mention...
    filename: str
    mime_type: str = ""
    media_id: str = ""
    url: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Parsed:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    watermarks: tuple[WatermarkUpdate, ...] = ()
    ignored: int = 0  # echoes of our own sends, typing indicators, ...
    # Well-formed things we do not handle (another webhook field, an unknown event type), for the admin.
    notes: tuple[str, ...] = ()
    # Set when the payload does not have the provider's shape: the event is quarantined with it at once.
    unparseable: str = ""

    @property
    def empty(self) -> bool:
        return not (self.messages or self.statuses or self.watermarks)


@dataclass
class Outcome:
    ticket_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    did_something: bool = False
    notes: list[str] = field(default_factory=list)  # why parts were ignored; kept on the event


def epoch(value: Any, *, milliseconds: bool = False) -> dt.datetime | None:
    """A provider timestamp (seconds, or Meta messaging's milliseconds) as an aware UTC datetime."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
        if milliseconds:
            number /= 1000
        return dt.datetime.fromtimestamp(number, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):  # not a number, NaN, or past year 9999
        return None


def media_placeholder(kind: str, caption: str = "") -> str:
    """What the agent reads in place of a file until (and besides) the attachment itself."""
    from django.utils.translation import gettext as _

    labels = {
        "image": _("Image"),
        "audio": _("Voice or audio message"),
        "video": _("Video"),
        "document": _("Document"),
        "file": _("File"),
        "sticker": _("Sticker"),
        "story_mention": _("Mentioned us in their story"),
        "share": _("Shared a post"),
        "ig_reel": _("Shared a reel"),
        "reel": _("Shared a reel"),
        "ig_post": _("Shared a post"),
        "animated_gif": _("GIF"),
        "photo": _("Image"),
    }
    label = f"[{labels.get(kind, _('Attachment'))}]"
    return f"{label} {caption}".strip() if caption else label


def deliver(parsed: Parsed) -> Outcome:
    """Hand every parsed item to the ticket core. Call inside the event's transaction."""
    from channels_intake import fetches

    if parsed.unparseable:
        return Outcome(errors=[f"unparseable: {parsed.unparseable}"])
    outcome = Outcome(notes=list(parsed.notes))
    for inbound in parsed.messages:
        try:
            with transaction.atomic():
                received = receive_message(inbound)
        except ValidationError as error:
            outcome.errors.append(f"{inbound.external_id}: {' '.join(error.messages)}")
            continue
        outcome.did_something = True
        outcome.ticket_ids.append(received.ticket.pk)
        if received.duplicate:
            continue
        # Owed in this transaction, fetched after commit; a lost task is queued again by the sweep.
        fetches.owe_media(received.message)
        if inbound.metadata.get("profile_lookup") and not _has_display_name(inbound):
            account = str(inbound.metadata.get("account", ""))
            fetches.owe_profile(received.message, account=account, address=inbound.sender.address)
    for status in parsed.statuses:
        apply_status(status)
        outcome.did_something = True
    for mark in parsed.watermarks:
        apply_watermark(mark)
        outcome.did_something = True
    return outcome


def _has_display_name(inbound: InboundMessage) -> bool:
    return (
        ContactIdentity.objects.filter(kind=inbound.sender.kind, address=inbound.sender.address)
        .exclude(display_name="")
        .exists()
    )


def send_in_parts(message: Message, parts: list[tuple[str, Callable[[], str]]]) -> dict[str, str]:
    """Send a reply that the provider takes as several messages (files, then text), each once.

    Each part's provider id is saved in the message's metadata as soon as it is sent, so a retry
    after a transient error resumes where it stopped instead of sending a file twice.
    """
    sent: dict[str, str] = dict(message.metadata.get("parts_sent") or {})
    for name, send_one in parts:
        if name in sent:
            continue
        sent[name] = send_one()
        message.metadata = {**message.metadata, "parts_sent": sent}
        message.save(update_fields=["metadata"])
    return sent
