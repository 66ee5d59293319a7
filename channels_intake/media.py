"""Downloading the files customers send on message channels, after their message is stored.

The message arrives with a placeholder ("[Image] caption") and a list of media references in its
metadata; ``download`` fetches one file (WhatsApp: media id -> URL -> bytes through the Graph API; the
others: the URL in the webhook) and attaches it. It runs in channels_intake.fetches' task, which
retries transient failures with backoff, queues again what a lost task left and notes a file that
cannot be had on the ticket's timeline; the placeholder stays.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from channels_intake.meta import timeout
from channels_intake.transport import TransportError
from tickets.actions import add_attachment
from tickets.models import Channel, Message

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


def _item(message: Message, index: int) -> dict[str, str] | None:
    items = message.metadata.get("media") or []
    return items[index] if index < len(items) and isinstance(items[index], dict) else None


def describe(message: Message, index: int) -> str:
    """The file's name, for the agent."""
    item = _item(message, index)
    return filename_for(item) if item is not None else str(index + 1)


def download(message: Message, index: int) -> None:
    """Fetch and attach media item ``index`` of a message (TransportError when that fails). Safe to run
    twice: attaches once."""
    item = _item(message, index)
    if item is None or message.channel not in FETCHERS:
        return
    if item.get("key") in (message.metadata.get("attached_keys") or []):
        return
    content = _fetcher(message.channel)(message, item)
    add_attachment(message, filename=filename_for(item), content=content, key=item.get("key", ""))
