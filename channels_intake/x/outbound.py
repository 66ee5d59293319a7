"""Sending X direct messages (``POST /2/dm_conversations/with/<user id>/messages``) and fetching DM media.

Both use the account's user-context OAuth 1.0a credentials. Rate limits and 5xx are retried; refused
credentials and customers who do not accept our messages are permanent failures the agent sees.
"""

from __future__ import annotations

import json

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from channels_intake.accounts import XAccount, gone_account_reason
from channels_intake.media import fetch_bytes
from channels_intake.meta import timeout
from channels_intake.transport import TransportError
from channels_intake.x.oauth import authorization_header
from tickets.models import Channel, ContactIdentity, Direction, IdentityKind, Message


def _account(message: Message) -> XAccount:
    account = XAccount.for_ticket(message.ticket)
    if account is None:
        reason = gone_account_reason(message.ticket) or _("No active X account is set up in the admin.")
        raise TransportError(reason, permanent=True)
    return account


def _auth(account: XAccount, method: str, url: str) -> str:
    return authorization_header(
        method,
        url,
        consumer_key=account.consumer_key,
        consumer_secret=account.consumer_secret,
        token=account.access_token,
        token_secret=account.access_token_secret,
    )


def recipient(message: Message) -> str:
    last = (
        Message.objects.filter(ticket=message.ticket, channel=Channel.X, direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    user_id = str((last or {}).get("sender_id", "")) if isinstance(last, dict) else ""
    user_id = user_id or (
        ContactIdentity.objects.filter(contact=message.ticket.contact, kind=IdentityKind.X)
        .values_list("address", flat=True)
        .first()
        or ""
    )
    if not user_id.isdigit():
        raise TransportError(_("This customer has no X account to write to."), permanent=True)
    return user_id


def send(message: Message) -> str:
    if not message.text:
        raise TransportError(_("X direct messages from SupportDesk need some text."), permanent=True)
    account = _account(message)
    url = f"{settings.X_API_URL}/2/dm_conversations/with/{recipient(message)}/messages"
    try:
        response = requests.post(
            url,
            data=json.dumps({"text": message.text}),
            headers={"Authorization": _auth(account, "POST", url), "Content-Type": "application/json"},
            timeout=timeout(),
        )
    except requests.RequestException as error:
        raise TransportError(_("X could not be reached: %(error)s") % {"error": error}) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400 or not isinstance(body, dict):
        raise _error(response.status_code, body if isinstance(body, dict) else {})
    event_id = str((body.get("data") or {}).get("dm_event_id") or "")
    if not event_id:
        raise TransportError(_("X accepted the message but returned no id."), permanent=True)
    return event_id


def _error(status: int, body: dict[str, object]) -> TransportError:
    detail = str(body.get("detail") or body.get("title") or "")
    errors = body.get("errors")
    if not detail and isinstance(errors, list) and errors and isinstance(errors[0], dict):
        detail = str(errors[0].get("message") or "")
    if status == 429 or status >= 500:
        return TransportError(
            _("X is busy (HTTP %(status)s): %(detail)s") % {"status": status, "detail": detail}
        )
    if status == 401:
        reason = _("X refused our credentials: an admin must renew the X account's tokens.")
    elif status == 403:
        reason = _("X refused to deliver: the customer may not accept direct messages from us.")
    else:
        reason = _("X refused the message.")
    return TransportError(f"{reason} ({detail}, HTTP {status})", permanent=True)


def fetch_media(message: Message, item: dict[str, str]) -> bytes:
    """DM media is only served to the account's own credentials."""
    account = XAccount.objects.filter(user_id=str(message.metadata.get("account", ""))).first() or _account(
        message
    )
    url = item.get("url") or ""
    if not url:
        raise TransportError(_("X sent no address for this file."), permanent=True)
    return fetch_bytes(url, headers={"Authorization": _auth(account, "GET", url)})
