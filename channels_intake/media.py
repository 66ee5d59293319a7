"""Downloading the files customers send on message channels, after their message is stored.

The message arrives with a placeholder ("[Image] caption") and a list of media references in its
metadata; this task fetches each file (WhatsApp: media id -> URL -> bytes through the Graph API; the
others: the URL in the webhook) and attaches it. Transient failures are retried with backoff; a file
that cannot be had is noted on the ticket's timeline, and the placeholder stays.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable

import requests
from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from channels_intake.meta import timeout
from channels_intake.transport import TransportError
from tickets.actions import add_attachment, record_event
from tickets.models import Channel, Message, TicketEvent

log = logging.getLogger(__name__)
MAX_TRIES = 5

# channel -> function(message, media item) -> bytes
FETCHERS: dict[str, str] = {
    Channel.WHATSAPP: "channels_intake.whatsapp.outbound.fetch_media",
    Channel.INSTAGRAM: "channels_intake.media.fetch_url",
    Channel.MESSENGER: "channels_intake.media.fetch_url",
    Channel.X: "channels_intake.x.outbound.fetch_media",
}


def fetch_bytes(url: str, *, headers: dict[str, str] | None = None) -> bytes:
    """GET ``url`` up to CHANNEL_MEDIA_MAX_BYTES; TransportError (transient unless 4xx) otherwise."""
    limit = settings.CHANNEL_MEDIA_MAX_BYTES
    try:
        with requests.get(url, headers=headers or {}, timeout=timeout(), stream=True) as response:
            if response.status_code >= 400:
                permanent = response.status_code < 500 and response.status_code != 429
                raise TransportError(
                    _("The file could not be downloaded (HTTP %(status)s).")
                    % {"status": response.status_code},
                    permanent=permanent,
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise TransportError(
                        _("The file is larger than %(limit)s MB and was not downloaded.")
                        % {"limit": limit // (1024 * 1024)},
                        permanent=True,
                    )
                chunks.append(chunk)
    except requests.RequestException as error:
        raise TransportError(_("The file could not be downloaded: %(error)s") % {"error": error}) from error
    return b"".join(chunks)


def fetch_url(message: Message, item: dict[str, str]) -> bytes:
    if not item.get("url"):
        raise TransportError(_("The provider sent no address for this file."), permanent=True)
    return fetch_bytes(item["url"])


def filename_for(item: dict[str, str]) -> str:
    if item.get("filename"):
        return item["filename"]
    extension = mimetypes.guess_extension((item.get("mime_type") or "").split(";")[0].strip()) or ""
    return f"{item.get('kind') or 'file'}-{(item.get('media_id') or 'media')[-12:]}{extension}"


def _fetcher(channel: str) -> Callable[[Message, dict[str, str]], bytes]:
    from importlib import import_module

    module, _dot, name = FETCHERS[channel].rpartition(".")
    function: Callable[[Message, dict[str, str]], bytes] = getattr(import_module(module), name)
    return function


@shared_task(bind=True, name="channels_intake.media.download_media", max_retries=MAX_TRIES - 1)
def download_media(self, message_id: int, index: int) -> bool:  # type: ignore[no-untyped-def]
    """Fetch and attach media item ``index`` of a message. Safe to run twice: attaches once."""
    message = Message.objects.select_related("ticket").filter(pk=message_id).first()
    if message is None:
        return False
    items = message.metadata.get("media") or []
    if index >= len(items) or message.channel not in FETCHERS:
        return False
    item = items[index]
    if item.get("key") in (message.metadata.get("attached_keys") or []):
        return False
    try:
        content = _fetcher(message.channel)(message, item)
    except TransportError as error:
        if error.permanent or self.request.retries >= MAX_TRIES - 1:
            record_event(
                message.ticket,
                TicketEvent.Kind.DELIVERY,
                message=message,
                after={"media": filename_for(item), "error": error.reason[:500]},
            )
            return False
        log.warning("Media %s of message %s: %s; retrying", index, message_id, error.reason)
        raise self.retry(countdown=min(30 * 2**self.request.retries, 900)) from error
    add_attachment(message, filename=filename_for(item), content=content, key=item.get("key", ""))
    return True
