"""Who a chat visitor is: signed visitor tokens, merchant-signed customer identities, signed file links.

A visitor never names their chat by id. They hold a token we signed for one ChatSession of one widget;
anything else (an altered token, another widget's token, an expired one) gets nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from channels_intake.chat.models import ChatSession, ChatWidget
from tickets.models import Attachment

_VISITOR_SALT = "chat.visitor"
_FILE_SALT = "chat.file"


def visitor_token(session: ChatSession) -> str:
    return signing.dumps({"s": str(session.public_id)}, salt=_VISITOR_SALT, compress=False)


def session_for_token(token: object, widget: ChatWidget | None = None) -> ChatSession | None:
    """The session ``token`` was made for (and only on ``widget``, when given); None otherwise."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(
            token, salt=_VISITOR_SALT, max_age=dt.timedelta(days=settings.CHAT_TOKEN_MAX_AGE_DAYS)
        )
        public_id = uuid.UUID(str(payload["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    sessions = ChatSession.objects.select_related("widget", "widget__team", "ticket").filter(
        public_id=public_id, widget__active=True
    )
    if widget is not None:
        sessions = sessions.filter(widget=widget)
    return sessions.first()


def new_visitor_id() -> str:
    return "v-" + uuid.uuid4().hex


@dataclass(frozen=True)
class SignedCustomer:
    """A logged-in customer the merchant vouches for."""

    customer_id: str
    email: str = ""
    name: str = ""

    def identity_address(self, widget: ChatWidget) -> str:
        # Customer ids are the merchant's own numbering: scope them to the widget.
        return f"w{widget.pk}:{self.customer_id}"


# A signed identity older than this is refused (CHAT_IDENTITY_MAX_AGE_HOURS); one from the future beyond
# this skew too (the merchant's clock may be a little ahead of ours).
CLOCK_SKEW_SECONDS = 300


def customer_signature(
    secret: str, customer_id: str, email: str = "", name: str = "", timestamp: int | str = 0
) -> str:
    """What the merchant's server computes: hex HMAC-SHA256 over 'customer_id|email|name|timestamp'
    (timestamp: Unix seconds when the page was rendered) with the widget's identity secret."""
    message = f"{customer_id}|{email}|{name}|{timestamp}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_customer(widget: ChatWidget, data: object, *, now: float | None = None) -> SignedCustomer | None:
    """The customer in ``data`` ({id, email, name, timestamp, signature}) if the widget's secret signed
    exactly those values, and not longer ago than CHAT_IDENTITY_MAX_AGE_HOURS (a copied page or snippet
    stops working)."""
    if not isinstance(data, dict):
        return None
    customer_id = str(data.get("id") or "").strip()[:150]
    email = str(data.get("email") or "").strip()[:320]
    name = str(data.get("name") or "").strip()[:200]
    timestamp = str(data.get("timestamp") or "").strip()
    signature = str(data.get("signature") or "").strip().lower()
    if not customer_id or not signature or not timestamp.isdigit() or not widget.identity_secret:
        return None
    age = (time.time() if now is None else now) - int(timestamp)
    if age > settings.CHAT_IDENTITY_MAX_AGE_HOURS * 3600 or age < -CLOCK_SKEW_SECONDS:
        return None
    expected = customer_signature(widget.identity_secret, customer_id, email, name, timestamp)
    if not hmac.compare_digest(expected, signature):
        return None
    return SignedCustomer(customer_id=customer_id, email=email, name=name)


def file_token(session: ChatSession, attachment_id: int) -> str:
    return signing.dumps([str(session.public_id), attachment_id], salt=_FILE_SALT, compress=False)


def attachment_for_file_token(token: str) -> Attachment | None:
    """The attachment if the link is ours, unexpired, and the file is still in that chat's ticket."""
    try:
        public_id, attachment_id = signing.loads(
            token, salt=_FILE_SALT, max_age=dt.timedelta(days=settings.CHAT_TOKEN_MAX_AGE_DAYS)
        )
    except (signing.BadSignature, TypeError, ValueError):
        return None
    session = ChatSession.objects.filter(public_id=public_id).only("ticket_id").first()
    if session is None or session.ticket_id is None or not isinstance(attachment_id, int):
        return None
    from channels_intake.chat.visitor import conversation_ticket_id

    ticket_id = conversation_ticket_id(session)
    if ticket_id is None:
        return None
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            message__ticket_id=ticket_id,
            message__direction__in=["in", "out"],
        )
        .select_related("message")
        .first()
    )
