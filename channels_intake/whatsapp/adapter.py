"""WhatsApp Cloud API webhook payloads -> customer messages and delivery statuses.

Payload: ``{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",
"value": {"metadata": {"phone_number_id"}, "contacts": [...], "messages": [...], "statuses": [...]}}]}]}``.
Every message type becomes a message with readable text: media as a placeholder plus a reference the
media task downloads; types WhatsApp does not pass on ("unsupported") keep a clear placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from channels_intake.accounts import WhatsAppNumber
from channels_intake.messaging import MediaRef, Outcome, Parsed, deliver, epoch, media_placeholder
from channels_intake.meta import describe
from channels_intake.models import InboundEvent
from channels_intake.processing import load_json
from channels_intake.statuses import StatusUpdate
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import Channel, DeliveryStatus, IdentityKind

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


def parse(payload: Mapping[str, Any], *, teams: Mapping[str, str] | None = None) -> Parsed:
    """Pure: ``teams`` maps our numbers' phone_number_id to the slug of the team they feed."""
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    ignored = 0
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if change.get("field") != "messages":
                ignored += 1
                continue
            number_id = str((value.get("metadata") or {}).get("phone_number_id", ""))
            names = {
                str(c.get("wa_id")): str((c.get("profile") or {}).get("name") or "")
                for c in value.get("contacts") or []
            }
            for item in value.get("messages") or []:
                messages.append(_message(item, number_id, names, (teams or {}).get(number_id, "")))
            for item in value.get("statuses") or []:
                status = _status(item)
                if status is None:
                    ignored += 1
                else:
                    statuses.append(status)
    return Parsed(messages=tuple(messages), statuses=tuple(statuses), ignored=ignored)


def process(event: InboundEvent) -> Outcome:
    teams = dict(
        WhatsAppNumber.objects.filter(team__isnull=False).values_list("phone_number_id", "team__slug")
    )
    return deliver(parse(load_json(event), teams=teams))


def _message(item: Mapping[str, Any], number_id: str, names: Mapping[str, str], team: str) -> InboundMessage:
    sender = str(item.get("from", ""))
    kind = str(item.get("type", "unsupported"))
    text, media, extra = _content(kind, item)
    context = item.get("context") or {}
    references: tuple[str, ...] = ()
    if context.get("id"):
        references = (str(context["id"]),)
        extra["reply_to"] = str(context["id"])
        if context.get("forwarded") or context.get("frequently_forwarded"):
            extra["forwarded"] = True
    if kind == "reaction" and (item.get("reaction") or {}).get("message_id"):
        references = (str(item["reaction"]["message_id"]),)
    metadata: dict[str, object] = {"account": number_id, "from": sender, "wa_type": kind, **extra}
    if media:
        metadata["media"] = [ref.as_dict() for ref in media]
    return InboundMessage(
        channel=Channel.WHATSAPP,
        external_id=str(item.get("id", "")) or None,
        # WhatsApp ids are international numbers without the plus ('6591234567' is Singaporean).
        sender=SenderIdentity(kind=IdentityKind.PHONE, address=f"+{sender}", name=names.get(sender, "")),
        text=text,
        sent_at=epoch(item.get("timestamp")),
        references=references,
        team_slug=team,
        metadata=metadata,
    )


def _content(kind: str, item: Mapping[str, Any]) -> tuple[str, list[MediaRef], dict[str, object]]:
    """(text the agent reads, media to download, extra metadata) for one message type."""
    raw = item.get(kind)
    body: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if kind == "text":
        return str(body.get("body", "")), [], {}
    if kind in MEDIA_TYPES:
        ref = MediaRef(
            key=str(body.get("id", "")),
            kind=kind,
            filename=str(body.get("filename") or ""),
            mime_type=str(body.get("mime_type") or ""),
            media_id=str(body.get("id", "")),
        )
        extra: dict[str, object] = {"voice": True} if body.get("voice") else {}
        return media_placeholder(kind, str(body.get("caption") or "")), [ref] if ref.key else [], extra
    if kind == "location":
        return _location(body), [], {"location": dict(body)}
    if kind == "contacts":
        cards = item.get("contacts") or []
        return _contact_cards(cards), [], {"contacts": cards}
    if kind == "interactive":
        reply = body.get(body.get("type", "")) or {}
        title = str(reply.get("title") or "")
        if reply.get("description"):
            title = f"{title} — {reply['description']}"
        text = title or _("[Reply from an interactive message]")
        return text, [], {"interactive": dict(body)}
    if kind == "button":
        return str(body.get("text") or body.get("payload") or ""), [], {"button": dict(body)}
    if kind == "reaction":
        emoji = str(body.get("emoji") or "")
        text = (
            _("[Reacted %(emoji)s to an earlier message]") % {"emoji": emoji}
            if emoji
            else _("[Removed a reaction]")
        )
        return text, [], {"reaction": dict(body)}
    if kind == "order":
        count = len(body.get("product_items") or [])
        return _("[Order from the catalogue: %(count)d items]") % {"count": count}, [], {"order": dict(body)}
    if kind == "system":
        return _("[WhatsApp notice] %(body)s") % {"body": body.get("body", "")}, [], {"system": dict(body)}
    errors = item.get("errors") or []
    reason = str(errors[0].get("title") or errors[0].get("message") or "") if errors else ""
    text = _(
        "[A “%(type)s” message WhatsApp does not pass on to us; ask the customer to send it another way]"
    ) % {"type": kind}
    return (f"{text} ({reason})" if reason else text), [], {"errors": errors}


def _location(body: Mapping[str, Any]) -> str:
    lat, lng = body.get("latitude"), body.get("longitude")
    label = ", ".join(str(body[key]) for key in ("name", "address") if body.get(key))
    link = f"https://maps.google.com/?q={lat},{lng}"
    return f"[{_('Location')}] {label} {link}".replace("  ", " ").strip()


def _contact_cards(cards: list[Mapping[str, Any]]) -> str:
    lines = []
    for card in cards:
        name = str((card.get("name") or {}).get("formatted_name") or "")
        phones = ", ".join(str(p.get("phone") or p.get("wa_id") or "") for p in card.get("phones") or [])
        emails = ", ".join(str(e.get("email") or "") for e in card.get("emails") or [])
        lines.append(" ".join(part for part in (name, phones, emails) if part))
    return f"[{_('Contact card')}] " + "; ".join(lines)


def _status(item: Mapping[str, Any]) -> StatusUpdate | None:
    status = STATUSES.get(str(item.get("status", "")))
    if status is None or not item.get("id"):
        return None
    error = ""
    for problem in item.get("errors") or []:
        detail = str(
            (problem.get("error_data") or {}).get("details")
            or problem.get("message")
            or problem.get("title")
            or ""
        )
        error = describe(_code(problem.get("code")), None, detail)
        break
    return StatusUpdate(
        channel=Channel.WHATSAPP,
        external_id=str(item["id"]),
        status=status,
        error=error,
        at=epoch(item.get("timestamp")),
    )


def _code(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
