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

from channels_intake.accounts import WhatsAppNumber, team_slugs
from channels_intake.messaging import MediaRef, Outcome, Parsed, deliver, epoch, media_placeholder
from channels_intake.meta import describe_failed_status
from channels_intake.models import InboundEvent
from channels_intake.processing import load_json
from channels_intake.shapes import Malformed, obj, objects, text
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
    """Pure: ``teams`` maps our numbers' phone_number_id to the slug of the team they feed.

    Never raises: a payload without WhatsApp's shape comes back as ``Parsed(unparseable=reason)``.
    """
    try:
        return _parse(payload, teams or {})
    except Malformed as error:
        return Parsed(unparseable=str(error))


def _parse(payload: Mapping[str, Any], teams: Mapping[str, str]) -> Parsed:
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    notes: list[str] = []
    ignored = 0
    kind = text(payload.get("object"), "object")
    if kind and kind != "whatsapp_business_account":
        return Parsed(ignored=1, notes=(f"object “{kind}” is not a WhatsApp Business Account event",))
    for e, entry in enumerate(objects(payload.get("entry"), "entry")):
        for c, change in enumerate(objects(entry.get("changes"), f"entry[{e}].changes")):
            where = f"entry[{e}].changes[{c}]"
            value = obj(change.get("value"), f"{where}.value")
            field = text(change.get("field"), f"{where}.field")
            if field != "messages":
                ignored += 1
                notes.append(f"webhook field “{field}” is not handled")
                continue
            number_id = text(
                obj(value.get("metadata"), f"{where}.value.metadata").get("phone_number_id"),
                "phone_number_id",
            )
            names = {
                text(contact.get("wa_id"), f"{where}.value.contacts.wa_id"): text(
                    obj(contact.get("profile"), f"{where}.value.contacts.profile").get("name"), "profile.name"
                )
                for contact in objects(value.get("contacts"), f"{where}.value.contacts")
            }
            for m, item in enumerate(objects(value.get("messages"), f"{where}.value.messages")):
                messages.append(
                    _message(item, f"{where}.value.messages[{m}]", number_id, names, teams.get(number_id, ""))
                )
            for st, item in enumerate(objects(value.get("statuses"), f"{where}.value.statuses")):
                status = _status(item, f"{where}.value.statuses[{st}]")
                if status is None:
                    ignored += 1
                    notes.append(f"status “{text(item.get('status'), 'status')}” without a known state or id")
                else:
                    statuses.append(status)
    return Parsed(messages=tuple(messages), statuses=tuple(statuses), ignored=ignored, notes=tuple(notes))


def process(event: InboundEvent) -> Outcome:
    teams = team_slugs(WhatsAppNumber, "phone_number_id")
    return deliver(parse(load_json(event), teams=teams))


def _message(
    item: Mapping[str, Any], where: str, number_id: str, names: Mapping[str, str], team: str
) -> InboundMessage:
    sender = text(item.get("from"), f"{where}.from")
    kind = text(item.get("type"), f"{where}.type") or "unsupported"
    content, media, extra = _content(kind, item, where)
    context = obj(item.get("context"), f"{where}.context")
    references: tuple[str, ...] = ()
    reply_to = text(context.get("id"), f"{where}.context.id")
    if reply_to:
        references = (reply_to,)
        extra["reply_to"] = reply_to
        if context.get("forwarded") or context.get("frequently_forwarded"):
            extra["forwarded"] = True
    if kind == "reaction":
        target = text(
            obj(item.get("reaction"), f"{where}.reaction").get("message_id"), f"{where}.reaction.message_id"
        )
        references = (target,) if target else references
    metadata: dict[str, object] = {"account": number_id, "from": sender, "wa_type": kind, **extra}
    if media:
        metadata["media"] = [ref.as_dict() for ref in media]
    return InboundMessage(
        channel=Channel.WHATSAPP,
        external_id=text(item.get("id"), f"{where}.id")[:500] or None,
        # WhatsApp ids are international numbers without the plus ('6591234567' is Singaporean).
        sender=SenderIdentity(kind=IdentityKind.PHONE, address=f"+{sender}", name=names.get(sender, "")),
        text=content,
        sent_at=epoch(item.get("timestamp")),
        references=references,
        team_slug=team,
        metadata=metadata,
    )


def _content(kind: str, item: Mapping[str, Any], where: str) -> tuple[str, list[MediaRef], dict[str, object]]:
    """(text the agent reads, media to download, extra metadata) for one message type."""
    here = f"{where}.{kind}"
    raw = item.get(kind)
    body: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if kind == "text":
        return text(obj(raw, here).get("body"), f"{here}.body"), [], {}
    if kind in MEDIA_TYPES:
        body = obj(raw, here)
        media_id = text(body.get("id"), f"{here}.id")
        ref = MediaRef(
            key=media_id,
            kind=kind,
            filename=text(body.get("filename"), f"{here}.filename"),
            mime_type=text(body.get("mime_type"), f"{here}.mime_type"),
            media_id=media_id,
        )
        extra: dict[str, object] = {"voice": True} if body.get("voice") else {}
        caption = text(body.get("caption"), f"{here}.caption")
        return media_placeholder(kind, caption), [ref] if ref.key else [], extra
    if kind == "location":
        body = obj(raw, here)
        return _location(body, here), [], {"location": dict(body)}
    if kind == "contacts":
        cards = objects(item.get("contacts"), here)
        return _contact_cards(cards, here), [], {"contacts": cards}
    if kind == "interactive":
        body = obj(raw, here)
        reply = obj(body.get(text(body.get("type"), f"{here}.type")), f"{here}.reply")
        title = text(reply.get("title"), f"{here}.reply.title")
        description = text(reply.get("description"), f"{here}.reply.description")
        if description:
            title = f"{title} — {description}"
        return title or _("[Reply from an interactive message]"), [], {"interactive": dict(body)}
    if kind == "button":
        body = obj(raw, here)
        label = text(body.get("text"), f"{here}.text") or text(body.get("payload"), f"{here}.payload")
        return label, [], {"button": dict(body)}
    if kind == "reaction":
        body = obj(raw, here)
        emoji = text(body.get("emoji"), f"{here}.emoji")
        shown = (
            _("[Reacted %(emoji)s to an earlier message]") % {"emoji": emoji}
            if emoji
            else _("[Removed a reaction]")
        )
        return shown, [], {"reaction": dict(body)}
    if kind == "order":
        body = obj(raw, here)
        count = len(objects(body.get("product_items"), f"{here}.product_items"))
        return _("[Order from the catalogue: %(count)d items]") % {"count": count}, [], {"order": dict(body)}
    if kind == "system":
        body = obj(raw, here)
        notice = text(body.get("body"), f"{here}.body")
        return _("[WhatsApp notice] %(body)s") % {"body": notice}, [], {"system": dict(body)}
    errors = objects(item.get("errors"), f"{where}.errors")
    reason = ""
    if errors:
        reason = text(errors[0].get("title"), f"{where}.errors[0].title") or text(
            errors[0].get("message"), f"{where}.errors[0].message"
        )
    shown = _(
        "[A “%(type)s” message WhatsApp does not pass on to us; ask the customer to send it another way]"
    ) % {"type": kind}
    return (f"{shown} ({reason})" if reason else shown), [], {"errors": errors}


def _location(body: Mapping[str, Any], where: str) -> str:
    lat, lng = (
        text(body.get("latitude"), f"{where}.latitude"),
        text(body.get("longitude"), f"{where}.longitude"),
    )
    label = ", ".join(text(body.get(key), f"{where}.{key}") for key in ("name", "address") if body.get(key))
    link = f"https://maps.google.com/?q={lat},{lng}"
    return f"[{_('Location')}] {label} {link}".replace("  ", " ").strip()


def _contact_cards(cards: list[Mapping[str, Any]], where: str) -> str:
    lines = []
    for index, card in enumerate(cards):
        here = f"{where}[{index}]"
        name = text(
            obj(card.get("name"), f"{here}.name").get("formatted_name"), f"{here}.name.formatted_name"
        )
        phones = ", ".join(
            text(p.get("phone"), f"{here}.phones.phone") or text(p.get("wa_id"), f"{here}.phones.wa_id")
            for p in objects(card.get("phones"), f"{here}.phones")
        )
        emails = ", ".join(
            text(e.get("email"), f"{here}.emails.email")
            for e in objects(card.get("emails"), f"{here}.emails")
        )
        lines.append(" ".join(part for part in (name, phones, emails) if part))
    return f"[{_('Contact card')}] " + "; ".join(lines)


def _status(item: Mapping[str, Any], where: str) -> StatusUpdate | None:
    status = STATUSES.get(text(item.get("status"), f"{where}.status"))
    external_id = text(item.get("id"), f"{where}.id")
    if status is None or not external_id:
        return None
    problems = objects(item.get("errors"), f"{where}.errors")
    error = describe_failed_status(problems[0]) if problems else ""
    return StatusUpdate(
        channel=Channel.WHATSAPP,
        external_id=external_id[:500],
        status=status,
        error=error,
        at=epoch(item.get("timestamp")),
    )
