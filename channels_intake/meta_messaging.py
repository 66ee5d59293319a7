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
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    watermarks: list[WatermarkUpdate] = []
    ignored = 0
    for entry in payload.get("entry") or []:
        account = str(entry.get("id", ""))
        team = (teams or {}).get(account, "")
        for event in [*(entry.get("messaging") or []), *(entry.get("standby") or [])]:
            sender = str((event.get("sender") or {}).get("id", ""))
            if sender == account or not sender:
                ignored += 1  # sent by the page itself
                continue
            at = epoch(event.get("timestamp"), milliseconds=True)
            kind = KINDS[channel]
            if "read" in event:
                read = event["read"] or {}
                if read.get("mid"):
                    statuses.append(StatusUpdate(channel, str(read["mid"]), DeliveryStatus.READ, at=at))
                elif read.get("watermark"):
                    up_to = epoch(read["watermark"], milliseconds=True)
                    if up_to is not None:
                        watermarks.append(WatermarkUpdate(channel, kind, sender, DeliveryStatus.READ, up_to))
                continue
            if "delivery" in event:
                delivery = event["delivery"] or {}
                for mid in delivery.get("mids") or []:
                    statuses.append(StatusUpdate(channel, str(mid), DeliveryStatus.DELIVERED, at=at))
                up_to = epoch(delivery.get("watermark"), milliseconds=True)
                if up_to is not None:
                    watermarks.append(WatermarkUpdate(channel, kind, sender, DeliveryStatus.DELIVERED, up_to))
                continue
            inbound = _inbound(event, channel=channel, account=account, sender=sender, team=team)
            if inbound is None:
                ignored += 1
            else:
                messages.append(inbound)
    return Parsed(tuple(messages), tuple(statuses), tuple(watermarks), ignored)


def _inbound(
    event: Mapping[str, Any], *, channel: str, account: str, sender: str, team: str
) -> InboundMessage | None:
    """One customer event as a message; None for what needs no ticket (echoes, unsent messages)."""
    timestamp = event.get("timestamp")
    metadata: dict[str, object] = {"account": account, "sender_id": sender, "profile_lookup": True}
    references: tuple[str, ...] = ()
    media: list[MediaRef] = []
    if "message" in event:
        message = event["message"] or {}
        if message.get("is_echo") or message.get("is_deleted"):
            return None
        external_id = str(message.get("mid") or "")
        lines = [str(message["text"])] if message.get("text") else []
        for index, attachment in enumerate(message.get("attachments") or []):
            line, ref = _attachment(attachment, index)
            lines.append(line)
            if ref is not None:
                media.append(ref)
        reply_to = message.get("reply_to") or {}
        if reply_to.get("mid"):
            references = (str(reply_to["mid"]),)
            metadata["reply_to"] = str(reply_to["mid"])
        if reply_to.get("story"):
            story = reply_to["story"]
            lines.insert(0, _("[Replied to your story] %(url)s") % {"url": story.get("url", "")})
            metadata["story"] = dict(story)
        if message.get("quick_reply"):
            metadata["quick_reply"] = dict(message["quick_reply"])
        if message.get("is_unsupported"):
            lines.append(
                _("[A message type Meta does not pass on to us; ask the customer to send it another way]")
            )
        text = "\n".join(line for line in lines if line).strip()
    elif "postback" in event:
        postback = event["postback"] or {}
        external_id = str(postback.get("mid") or f"postback:{sender}:{timestamp}")
        text = str(postback.get("title") or postback.get("payload") or _("[Tapped a button]"))
        metadata["postback"] = dict(postback)
    elif "reaction" in event:
        reaction = event["reaction"] or {}
        target = str(reaction.get("mid") or "")
        external_id = f"reaction:{target}:{sender}:{timestamp}"
        emoji = str(reaction.get("emoji") or reaction.get("reaction") or "")
        text = (
            _("[Reacted %(emoji)s to an earlier message]") % {"emoji": emoji}
            if reaction.get("action", "react") == "react"
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
        external_id=external_id or None,
        sender=SenderIdentity(kind=KINDS[channel], address=sender),
        text=text or _("[Empty message]"),
        sent_at=epoch(timestamp, milliseconds=True),
        references=references,
        team_slug=team,
        metadata=metadata,
    )


def _attachment(attachment: Mapping[str, Any], index: int) -> tuple[str, MediaRef | None]:
    kind = str(attachment.get("type") or "file")
    payload = attachment.get("payload") or {}
    url = str(payload.get("url") or "")
    if payload.get("sticker_id"):
        kind = "sticker"
    if kind in DOWNLOADED and url:
        return media_placeholder(kind), MediaRef(
            key=url, kind=kind, filename="", url=url, media_id=str(index)
        )
    if kind in LINKED:
        title = str(payload.get("title") or attachment.get("title") or "")
        return f"{media_placeholder(kind, title)} {url}".strip(), None
    if kind == "location":
        coordinates = payload.get("coordinates") or {}
        return (
            f"[{_('Location')}] https://maps.google.com/?q={coordinates.get('lat')},{coordinates.get('long')}",
            None,
        )
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
