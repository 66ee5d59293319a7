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

from channels_intake.accounts import XAccount
from channels_intake.messaging import MediaRef, Outcome, Parsed, deliver, epoch, media_placeholder
from channels_intake.models import InboundEvent
from channels_intake.processing import load_json
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


def parse(payload: Mapping[str, Any], *, teams: Mapping[str, str] | None = None) -> Parsed:
    """Pure: ``teams`` maps our accounts' user ids to the slug of the team they feed."""
    account = str(payload.get("for_user_id", ""))
    users = payload.get("users") or {}
    messages: list[InboundMessage] = []
    watermarks: list[WatermarkUpdate] = []
    ignored = 0
    for event in payload.get("direct_message_events") or []:
        create = event.get("message_create") or {}
        sender = str(create.get("sender_id", ""))
        if event.get("type") != "message_create" or not sender or sender == account:
            ignored += 1  # our own sends come back as events too
            continue
        messages.append(
            _message(event, create, account, sender, users.get(sender) or {}, (teams or {}).get(account, ""))
        )
    for mark in payload.get("direct_message_mark_read_events") or []:
        reader = str(mark.get("sender_id", ""))
        up_to = epoch(mark.get("created_timestamp"), milliseconds=True)
        if reader and reader != account and up_to is not None:
            watermarks.append(WatermarkUpdate(Channel.X, IdentityKind.X, reader, DeliveryStatus.READ, up_to))
        else:
            ignored += 1
    ignored += len(payload.get("direct_message_indicate_typing_events") or [])
    return Parsed(messages=tuple(messages), watermarks=tuple(watermarks), ignored=ignored)


def process(event: InboundEvent) -> Outcome:
    teams = dict(XAccount.objects.filter(team__isnull=False).values_list("user_id", "team__slug"))
    return deliver(parse(load_json(event), teams=teams))


def _message(
    event: Mapping[str, Any],
    create: Mapping[str, Any],
    account: str,
    sender: str,
    user: Mapping[str, Any],
    team: str,
) -> InboundMessage:
    data = create.get("message_data") or {}
    text = str(data.get("text") or "")
    metadata: dict[str, object] = {"account": account, "sender_id": sender}
    if user.get("screen_name"):
        metadata["screen_name"] = str(user["screen_name"])
    media = (data.get("attachment") or {}).get("media") or {}
    if media:
        ref = _media(media)
        # X appends the media's t.co link to the text; the placeholder says what it is instead.
        shown = str(media.get("url") or "")
        text = text.replace(shown, "").strip() if shown else text
        text = media_placeholder(ref.kind, text)
        metadata["media"] = [ref.as_dict()]
    if data.get("quick_reply_response"):
        metadata["quick_reply"] = dict(data["quick_reply_response"])
    return InboundMessage(
        channel=Channel.X,
        external_id=str(event.get("id", "")) or None,
        sender=SenderIdentity(kind=IdentityKind.X, address=sender, name=str(user.get("name") or "")),
        text=text,
        sent_at=epoch(event.get("created_timestamp"), milliseconds=True),
        team_slug=team,
        metadata=metadata,
    )


def _media(media: Mapping[str, Any]) -> MediaRef:
    kind = str(media.get("type") or "photo")
    url = str(media.get("media_url_https") or "")
    mime = "image/jpeg"
    if kind in ("video", "animated_gif"):
        variants = [
            v
            for v in (media.get("video_info") or {}).get("variants") or []
            if v.get("content_type") == "video/mp4"
        ]
        if variants:
            url = str(max(variants, key=lambda v: v.get("bitrate") or 0)["url"])
            mime = "video/mp4"
    media_id = str(media.get("id_str") or media.get("id") or "")
    return MediaRef(key=media_id or url, kind=kind, filename="", mime_type=mime, media_id=media_id, url=url)
