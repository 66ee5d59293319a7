"""Sending on WhatsApp through the Cloud API (``POST /<phone number id>/messages``), and fetching media.

A reply with files goes out as several WhatsApp messages (each file, then the text). Parts already
sent are remembered in the message's metadata, so a retry after a transient error never sends a file
twice. The id of the text part (or of the last file) becomes the message's external id, which status
callbacks refer to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from channels_intake.accounts import WhatsAppNumber, gone_account_reason
from channels_intake.media import fetch_bytes
from channels_intake.messaging import send_in_parts
from channels_intake.meta import graph_request
from channels_intake.transport import TransportError
from tickets.models import Attachment, Channel, Direction, Message, Ticket

IMAGE_TYPES = {"image/jpeg", "image/png"}
VIDEO_TYPES = {"video/mp4", "video/3gpp"}
AUDIO_TYPES = {"audio/aac", "audio/mp4", "audio/mpeg", "audio/amr", "audio/ogg"}


def number_for(ticket: Ticket) -> WhatsAppNumber:
    number = WhatsAppNumber.for_ticket(ticket)
    if number is None:
        reason = gone_account_reason(ticket) or _("No active WhatsApp number is set up in the admin.")
        raise TransportError(reason, permanent=True)
    return number


def recipient(ticket: Ticket) -> str:
    """The customer's WhatsApp id (digits of the E.164 number): as they last wrote from, else the contact's phone."""
    last = (
        Message.objects.filter(ticket=ticket, channel=Channel.WHATSAPP, direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    wa_id = str((last or {}).get("from", "")) if isinstance(last, dict) else ""
    digits = "".join(ch for ch in (wa_id or ticket.contact.phone) if ch.isdigit())
    if not digits:
        raise TransportError(_("This customer has no WhatsApp number to write to."), permanent=True)
    return digits


def send(message: Message) -> str:
    ticket = message.ticket
    number = number_for(ticket)
    to = recipient(ticket)

    def post(build: Callable[[], dict[str, Any]]) -> Callable[[], str]:
        def send_one() -> str:
            payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **build()}
            path = f"{number.phone_number_id}/messages"
            return _message_id(graph_request("POST", path, token=number.access_token, json=payload))

        return send_one

    parts: list[tuple[str, Callable[[], str]]] = []
    template = message.metadata.get("template")
    if template:
        parts.append(("template", post(lambda: _template_payload(template))))
    else:
        for attachment in message.attachments.all():
            parts.append((f"file-{attachment.pk}", post(partial(_media_payload, number, attachment))))
        if message.text:
            text = {"type": "text", "text": {"preview_url": False, "body": message.text}}
            parts.append(("text", post(lambda: text)))
    if not parts:
        raise TransportError(_("There is nothing to send."), permanent=True)
    sent = send_in_parts(message, parts)
    return sent.get("text") or sent.get("template") or sent[parts[-1][0]]


def _message_id(answer: dict[str, Any]) -> str:
    try:
        return str(answer["messages"][0]["id"])
    except (KeyError, IndexError, TypeError):
        raise TransportError(_("WhatsApp accepted the message but returned no id."), permanent=True) from None


def _template_payload(template: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"name": template["name"], "language": {"code": template["language"]}}
    variables = template.get("variables") or []
    if variables:
        body["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": str(value)} for value in variables]}
        ]
    return {"type": "template", "template": body}


def _media_payload(number: WhatsAppNumber, attachment: Attachment) -> dict[str, Any]:
    """Upload the file to WhatsApp, then refer to it by the media id WhatsApp gives back."""
    with attachment.file.open("rb") as handle:
        content = handle.read()
    uploaded = graph_request(
        "POST",
        f"{number.phone_number_id}/media",
        token=number.access_token,
        data={"messaging_product": "whatsapp", "type": attachment.content_type},
        files={"file": (attachment.filename, content, attachment.content_type)},
    )
    media_id = str(uploaded.get("id") or "")
    if not media_id:
        raise TransportError(_("WhatsApp did not accept the file %(name)s.") % {"name": attachment.filename})
    kind = "document"
    if attachment.content_type in IMAGE_TYPES:
        kind = "image"
    elif attachment.content_type in VIDEO_TYPES:
        kind = "video"
    elif attachment.content_type in AUDIO_TYPES:
        kind = "audio"
    media: dict[str, str] = {"id": media_id}
    if kind == "document":
        media["filename"] = attachment.filename
    return {"type": kind, kind: media}


def fetch_media(message: Message, item: dict[str, str]) -> bytes:
    """Media id -> short-lived URL (Graph API) -> bytes, both with the number's token."""
    account = str(message.metadata.get("account", ""))
    number = (
        WhatsAppNumber.objects.filter(phone_number_id=account).first()
        or WhatsAppNumber.objects.filter(active=True).order_by("pk").first()
    )
    if number is None:
        raise TransportError(_("No WhatsApp number is set up to download this file."), permanent=True)
    info = graph_request("GET", item["media_id"], token=number.access_token)
    url = str(info.get("url") or "")
    if not url:
        raise TransportError(_("WhatsApp returned no address for this file."), permanent=True)
    return fetch_bytes(url, headers={"Authorization": f"Bearer {number.access_token}"})
