"""Instagram DM and Facebook Messenger share Meta's messaging webhook format and its Send API.

Webhook: ``{"object": "page"|"instagram", "entry": [{"id": <page or IG account>, "time": ms,
"messaging": [{"sender": {"id"}, "recipient": {"id"}, "timestamp": ms, <one of: message, postback,
reaction, read, delivery>}]}]}``. Ids are page-scoped (PSID / IGSID); timestamps are epoch milliseconds.
Echoes of our own sends (``message.is_echo``) are ignored.

Send API: ``POST /me/messages`` with the page token; past 24 hours and with META_HUMAN_AGENT_TAG on,
the message carries ``messaging_type=MESSAGE_TAG, tag=HUMAN_AGENT`` (allowed for 7 days).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from channels_intake.accounts import MetaPage, gone_account_reason
from channels_intake.messaging import MediaRef, Parsed, epoch, media_placeholder, send_in_parts
from channels_intake.meta import graph_request
from channels_intake.policy import needs_human_agent_tag
from channels_intake.shapes import Malformed, obj, objects, text, texts
from channels_intake.statuses import StatusUpdate, WatermarkUpdate
from channels_intake.transport import TransportError
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import Channel, ContactIdentity, DeliveryStatus, Direction, Message

DOWNLOADED = {"image", "video", "audio", "file", "sticker", "story_mention"}
LINKED = {"share", "ig_reel", "reel", "ig_post", "fallback"}
KINDS: dict[str, str] = {
    Channel.INSTAGRAM: "instagram",
    Channel.MESSENGER: "messenger",
}  # IdentityKind values


def parse(payload: Mapping[str, Any], *, channel: str, teams: Mapping[str, str] | None = None) -> Parsed:
    """Pure. Never raises: a payload without Meta's messaging shape comes back as ``unparseable``."""
    try:
        return _parse(payload, channel, teams or {})
    except Malformed as error:
        return Parsed(unparseable=str(error))


def _parse(payload: Mapping[str, Any], channel: str, teams: Mapping[str, str]) -> Parsed:
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    watermarks: list[WatermarkUpdate] = []
    notes: list[str] = []
    ignored = 0
    kind = KINDS[channel]
    for e, entry in enumerate(objects(payload.get("entry"), "entry")):
        account = text(entry.get("id"), f"entry[{e}].id")
        team = teams.get(account, "")
        if entry.get("changes") is not None:
            fields = [
                text(c.get("field"), "changes.field")
                for c in objects(entry["changes"], f"entry[{e}].changes")
            ]
            ignored += len(fields)
            notes.extend(f"webhook field “{field}” is not handled" for field in fields)
        events = [
            *objects(entry.get("messaging"), f"entry[{e}].messaging"),
            *objects(entry.get("standby"), f"entry[{e}].standby"),
        ]
        for n, event in enumerate(events):
            where = f"entry[{e}].messaging[{n}]"
            sender = text(obj(event.get("sender"), f"{where}.sender").get("id"), f"{where}.sender.id")
            if sender == account or not sender:
                ignored += 1  # sent by the page itself
                continue
            at = epoch(event.get("timestamp"), milliseconds=True)
            if "read" in event:
                read = obj(event["read"], f"{where}.read")
                mid = text(read.get("mid"), f"{where}.read.mid")
                if mid:
                    statuses.append(StatusUpdate(channel, mid[:500], DeliveryStatus.READ, at=at))
                elif read.get("watermark"):
                    up_to = epoch(read["watermark"], milliseconds=True)
                    if up_to is not None:
                        watermarks.append(WatermarkUpdate(channel, kind, sender, DeliveryStatus.READ, up_to))
                continue
            if "delivery" in event:
                delivery = obj(event["delivery"], f"{where}.delivery")
                for mid in texts(delivery.get("mids"), f"{where}.delivery.mids"):
                    statuses.append(StatusUpdate(channel, mid[:500], DeliveryStatus.DELIVERED, at=at))
                up_to = epoch(delivery.get("watermark"), milliseconds=True)
                if up_to is not None:
                    watermarks.append(WatermarkUpdate(channel, kind, sender, DeliveryStatus.DELIVERED, up_to))
                continue
            inbound = _inbound(event, where, channel=channel, account=account, sender=sender, team=team)
            if inbound is None:
                ignored += 1
                if not any(key in event for key in ("message", "postback", "reaction")):
                    others = sorted(k for k in event if k not in ("sender", "recipient", "timestamp"))
                    notes.append(f"messaging event “{', '.join(others) or 'empty'}” is not handled")
            else:
                messages.append(inbound)
    return Parsed(tuple(messages), tuple(statuses), tuple(watermarks), ignored, notes=tuple(notes))


def _inbound(
    event: Mapping[str, Any], where: str, *, channel: str, account: str, sender: str, team: str
) -> InboundMessage | None:
    """One customer event as a message; None for what needs no ticket (echoes, unsent messages)."""
    timestamp = text(event.get("timestamp"), f"{where}.timestamp")
    metadata: dict[str, object] = {"account": account, "sender_id": sender, "profile_lookup": True}
    references: tuple[str, ...] = ()
    media: list[MediaRef] = []
    if "message" in event:
        message = obj(event["message"], f"{where}.message")
        if message.get("is_echo") or message.get("is_deleted"):
            return None
        external_id = text(message.get("mid"), f"{where}.message.mid")
        body = text(message.get("text"), f"{where}.message.text")
        lines = [body] if body else []
        for index, attachment in enumerate(
            objects(message.get("attachments"), f"{where}.message.attachments")
        ):
            line, ref = _attachment(attachment, index, f"{where}.message.attachments[{index}]")
            lines.append(line)
            if ref is not None:
                media.append(ref)
        reply_to = obj(message.get("reply_to"), f"{where}.message.reply_to")
        reply_mid = text(reply_to.get("mid"), f"{where}.message.reply_to.mid")
        if reply_mid:
            references = (reply_mid,)
            metadata["reply_to"] = reply_mid
        if reply_to.get("story"):
            story = obj(reply_to["story"], f"{where}.message.reply_to.story")
            url = text(story.get("url"), f"{where}.message.reply_to.story.url")
            lines.insert(0, _("[Replied to your story] %(url)s") % {"url": url})
            metadata["story"] = dict(story)
        if message.get("quick_reply"):
            metadata["quick_reply"] = dict(obj(message["quick_reply"], f"{where}.message.quick_reply"))
        if message.get("is_unsupported"):
            lines.append(
                _("[A message type Meta does not pass on to us; ask the customer to send it another way]")
            )
        content = "\n".join(line for line in lines if line).strip()
    elif "postback" in event:
        postback = obj(event["postback"], f"{where}.postback")
        external_id = text(postback.get("mid"), f"{where}.postback.mid") or f"postback:{sender}:{timestamp}"
        content = (
            text(postback.get("title"), f"{where}.postback.title")
            or text(postback.get("payload"), f"{where}.postback.payload")
            or _("[Tapped a button]")
        )
        metadata["postback"] = dict(postback)
    elif "reaction" in event:
        reaction = obj(event["reaction"], f"{where}.reaction")
        target = text(reaction.get("mid"), f"{where}.reaction.mid")
        external_id = f"reaction:{target}:{sender}:{timestamp}"
        emoji = text(reaction.get("emoji"), f"{where}.reaction.emoji") or text(
            reaction.get("reaction"), f"{where}.reaction.reaction"
        )
        content = (
            _("[Reacted %(emoji)s to an earlier message]") % {"emoji": emoji}
            if (text(reaction.get("action"), f"{where}.reaction.action") or "react") == "react"
            else _("[Removed a reaction]")
        )
        references = (target,) if target else ()
        metadata["reaction"] = dict(reaction)
    else:
        return None
    if media:
        metadata["media"] = [ref.as_dict() for ref in media]
    return InboundMessage(
        channel=channel,
        external_id=external_id[:500] or None,
        sender=SenderIdentity(kind=KINDS[channel], address=sender),
        text=content or _("[Empty message]"),
        sent_at=epoch(event.get("timestamp"), milliseconds=True),
        references=references,
        team_slug=team,
        metadata=metadata,
    )


def _attachment(attachment: Mapping[str, Any], index: int, where: str) -> tuple[str, MediaRef | None]:
    kind = text(attachment.get("type"), f"{where}.type") or "file"
    payload = obj(attachment.get("payload"), f"{where}.payload")
    url = text(payload.get("url"), f"{where}.payload.url")
    if payload.get("sticker_id"):
        kind = "sticker"
    if kind in DOWNLOADED and url:
        return media_placeholder(kind), MediaRef(
            key=url, kind=kind, filename="", url=url, media_id=str(index)
        )
    if kind in LINKED:
        title = text(payload.get("title"), f"{where}.payload.title") or text(
            attachment.get("title"), f"{where}.title"
        )
        return f"{media_placeholder(kind, title)} {url}".strip(), None
    if kind == "location":
        coordinates = obj(payload.get("coordinates"), f"{where}.payload.coordinates")
        lat = text(coordinates.get("lat"), f"{where}.payload.coordinates.lat")
        lng = text(coordinates.get("long"), f"{where}.payload.coordinates.long")
        return f"[{_('Location')}] https://maps.google.com/?q={lat},{lng}", None
    return media_placeholder(kind), None


# --- Send API -------------------------------------------------------------------------------------


def page_for(message: Message) -> MetaPage:
    page = MetaPage.for_ticket(message.ticket)
    if page is None:
        reason = gone_account_reason(message.ticket) or _(
            "No active %(channel)s account is set up in the admin."
        ) % {"channel": Channel(message.channel).label}
        raise TransportError(reason, permanent=True)
    return page


def recipient(message: Message) -> str:
    """The customer's page-scoped id, as they last wrote to us on this ticket."""
    ticket = message.ticket
    last = (
        Message.objects.filter(ticket=ticket, channel=message.channel, direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    sender = str((last or {}).get("sender_id", "")) if isinstance(last, dict) else ""
    if not sender:
        sender = (
            ContactIdentity.objects.filter(contact=ticket.contact, kind=KINDS[message.channel])
            .values_list("address", flat=True)
            .first()
            or ""
        )
    if not sender:
        raise TransportError(_("This customer has no account on this channel to write to."), permanent=True)
    return sender


def send(message: Message) -> str:
    page = page_for(message)
    base: dict[str, Any] = {"recipient": {"id": recipient(message)}, "messaging_type": "RESPONSE"}
    if needs_human_agent_tag(message.ticket):
        base = {**base, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}

    def send_text() -> str:
        answer = graph_request(
            "POST", "me/messages", token=page.access_token, json={**base, "message": {"text": message.text}}
        )
        return _message_id(answer)

    def send_file(attachment: Any) -> Callable[[], str]:
        def send_one() -> str:
            kind = attachment.content_type.split("/")[0]
            kind = kind if kind in ("image", "video", "audio") else "file"
            with attachment.file.open("rb") as handle:
                content = handle.read()
            form = {
                key: json.dumps(value) if isinstance(value, dict) else value for key, value in base.items()
            }
            form["message"] = json.dumps({"attachment": {"type": kind, "payload": {"is_reusable": False}}})
            answer = graph_request(
                "POST",
                "me/messages",
                token=page.access_token,
                data=form,
                files={"filedata": (attachment.filename, content, attachment.content_type)},
            )
            return _message_id(answer)

        return send_one

    parts: list[tuple[str, Callable[[], str]]] = [
        (f"file-{attachment.pk}", send_file(attachment)) for attachment in message.attachments.all()
    ]
    if message.text:
        parts.append(("text", send_text))
    if not parts:
        raise TransportError(_("There is nothing to send."), permanent=True)
    sent = send_in_parts(message, parts)
    return sent.get("text") or sent[parts[-1][0]]


def _message_id(answer: Mapping[str, Any]) -> str:
    message_id = str(answer.get("message_id") or "")
    if not message_id:
        raise TransportError(_("Meta accepted the message but returned no id."), permanent=True)
    return message_id
