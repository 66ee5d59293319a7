"""X (Twitter) Account Activity webhooks: verifying them, and their direct messages -> customer messages.

CRC: X sends ``GET ?crc_token=...`` and expects ``{"response_token": "sha256=<base64 HMAC-SHA256 of
the token keyed with the app's consumer secret>"}``. POSTs carry ``x-twitter-webhooks-signature`` in the
same form over the raw body. ``direct_message_events`` of type ``message_create`` from someone other
than our account become messages; our own sends come back too and are ignored; read events mark our
messages read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from channels_intake.accounts import XAccount, team_slugs
from channels_intake.messaging import MediaRef, Outcome, Parsed, deliver, epoch, media_placeholder
from channels_intake.models import InboundEvent
from channels_intake.processing import load_json
from channels_intake.shapes import Malformed, obj, objects, text
from channels_intake.statuses import WatermarkUpdate
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.models import Channel, DeliveryStatus, IdentityKind

SIGNATURE_HEADER = "X-Twitter-Webhooks-Signature"


def sign(secret: str, data: bytes) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()


def crc_response_token(secret: str, crc_token: str) -> str:
    return sign(secret, crc_token.encode())


def signature_matches(body: bytes, header: str, secret: str) -> bool:
    return bool(secret) and hmac.compare_digest(sign(secret, body).encode(), header.strip().encode())


HANDLED = {
    "for_user_id",
    "users",
    "apps",
    "direct_message_events",
    "direct_message_mark_read_events",
    "direct_message_indicate_typing_events",
    "user_has_blocked",
}


def parse(payload: Mapping[str, Any], *, teams: Mapping[str, str] | None = None) -> Parsed:
    """Pure: ``teams`` maps our accounts' user ids to the slug of the team they feed.

    Never raises: a payload without the Account Activity shape comes back as ``unparseable``.
    """
    try:
        return _parse(payload, teams or {})
    except Malformed as error:
        return Parsed(unparseable=str(error))


def _parse(payload: Mapping[str, Any], teams: Mapping[str, str]) -> Parsed:
    account = text(payload.get("for_user_id"), "for_user_id")
    users = obj(payload.get("users"), "users")
    messages: list[InboundMessage] = []
    watermarks: list[WatermarkUpdate] = []
    ignored = 0
    # Tweets, likes, follows...: the webhook carries every activity of the account; only DMs are ours.
    notes = [f"“{key}” events are not handled" for key in sorted(payload) if key not in HANDLED]
    ignored += len(notes)
    for index, event in enumerate(objects(payload.get("direct_message_events"), "direct_message_events")):
        where = f"direct_message_events[{index}]"
        create = obj(event.get("message_create"), f"{where}.message_create")
        sender = text(create.get("sender_id"), f"{where}.message_create.sender_id")
        if text(event.get("type"), f"{where}.type") != "message_create" or not sender or sender == account:
            ignored += 1  # our own sends come back as events too
            continue
        user = obj(users.get(sender), f"users.{sender}")
        messages.append(_message(event, create, where, account, sender, user, teams.get(account, "")))
    for index, mark in enumerate(
        objects(payload.get("direct_message_mark_read_events"), "direct_message_mark_read_events")
    ):
        reader = text(mark.get("sender_id"), f"direct_message_mark_read_events[{index}].sender_id")
        up_to = epoch(mark.get("created_timestamp"), milliseconds=True)
        if reader and reader != account and up_to is not None:
            watermarks.append(WatermarkUpdate(Channel.X, IdentityKind.X, reader, DeliveryStatus.READ, up_to))
        else:
            ignored += 1
    typing = payload.get("direct_message_indicate_typing_events")
    ignored += len(objects(typing, "direct_message_indicate_typing_events"))
    return Parsed(messages=tuple(messages), watermarks=tuple(watermarks), ignored=ignored, notes=tuple(notes))


def process(event: InboundEvent) -> Outcome:
    teams = team_slugs(XAccount, "user_id")
    return deliver(parse(load_json(event), teams=teams))


def _message(
    event: Mapping[str, Any],
    create: Mapping[str, Any],
    where: str,
    account: str,
    sender: str,
    user: Mapping[str, Any],
    team: str,
) -> InboundMessage:
    data = obj(create.get("message_data"), f"{where}.message_create.message_data")
    content = text(data.get("text"), f"{where}.message_data.text")
    metadata: dict[str, object] = {"account": account, "sender_id": sender}
    screen_name = text(user.get("screen_name"), f"users.{sender}.screen_name")
    if screen_name:
        metadata["screen_name"] = screen_name
    attachment = obj(data.get("attachment"), f"{where}.message_data.attachment")
    media = obj(attachment.get("media"), f"{where}.message_data.attachment.media")
    if media:
        ref = _media(media, f"{where}.message_data.attachment.media")
        # X appends the media's t.co link to the text; the placeholder says what it is instead.
        shown = text(media.get("url"), f"{where}.media.url")
        content = content.replace(shown, "").strip() if shown else content
        content = media_placeholder(ref.kind, content)
        metadata["media"] = [ref.as_dict()]
    if data.get("quick_reply_response"):
        metadata["quick_reply"] = dict(obj(data["quick_reply_response"], f"{where}.quick_reply_response"))
    return InboundMessage(
        channel=Channel.X,
        external_id=text(event.get("id"), f"{where}.id")[:500] or None,
        sender=SenderIdentity(
            kind=IdentityKind.X, address=sender, name=text(user.get("name"), f"users.{sender}.name")
        ),
        text=content,
        sent_at=epoch(event.get("created_timestamp"), milliseconds=True),
        team_slug=team,
        metadata=metadata,
    )


def _media(media: Mapping[str, Any], where: str) -> MediaRef:
    kind = text(media.get("type"), f"{where}.type") or "photo"
    url = text(media.get("media_url_https"), f"{where}.media_url_https")
    mime = "image/jpeg"
    if kind in ("video", "animated_gif"):
        info = obj(media.get("video_info"), f"{where}.video_info")
        variants = [
            v
            for v in objects(info.get("variants"), f"{where}.video_info.variants")
            if v.get("content_type") == "video/mp4"
        ]
        if variants:
            best = max(variants, key=_bitrate)
            url = text(best.get("url"), f"{where}.video_info.variants.url")
            mime = "video/mp4"
    media_id = text(media.get("id_str"), f"{where}.id_str") or text(media.get("id"), f"{where}.id")
    return MediaRef(key=media_id or url, kind=kind, filename="", mime_type=mime, media_id=media_id, url=url)


def _bitrate(variant: Mapping[str, Any]) -> float:
    value = variant.get("bitrate")
    return float(value) if isinstance(value, int | float) and value == value else 0.0  # NaN: 0
