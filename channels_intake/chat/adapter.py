"""What a chat visitor sends, as the InboundMessage every channel hands to tickets.actions.receive_message.

Pure: no database access, so the mapping is easy to read and to test.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.utils.translation import gettext as _

from channels_intake.chat.models import ChatSession
from tickets.inbound import InboundAttachment, InboundMessage, SenderIdentity
from tickets.models import Channel, IdentityKind

MAX_TEXT = 5000


class BadInput(ValueError):
    """The visitor's input cannot be used; the message says why, for the visitor."""

    code = "bad_request"


class SlowDown(BadInput):
    """Too many messages in a short time (channels_intake.chat.limits)."""

    code = "slow_down"


def clean_client_id(value: object) -> str:
    """The widget names every message with a UUID so a resend after reconnecting is recognised."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise BadInput(_("The message has no valid id; reload the page.")) from None


def external_id(session: ChatSession, client_id: str) -> str:
    # Scoped to the session: one visitor's ids can never match another visitor's messages.
    return f"chat:{session.public_id}:{client_id}"


def identities(session: ChatSession) -> tuple[SenderIdentity, ...]:
    """What the visitor told us (email or WhatsApp number) and what the merchant vouched for."""
    others = []
    if session.customer_ref:
        others.append(SenderIdentity(kind=IdentityKind.CHAT, address=session.customer_ref, name=session.name))
    if session.email:
        others.append(SenderIdentity(kind=IdentityKind.EMAIL, address=session.email, name=session.name))
    if session.phone:
        others.append(SenderIdentity(kind=IdentityKind.PHONE, address=session.phone, name=session.name))
    return tuple(others)


def visitor_message(
    session: ChatSession,
    *,
    client_id: str,
    text: str,
    attachments: Sequence[InboundAttachment] = (),
    category_slug: str = "",
    team_slug: str = "",
) -> InboundMessage:
    """One message typed (or file sent) in the widget.

    The session's first message starts a new ticket (a chat is a ticket); later ones name that ticket.
    """
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise BadInput(_("A message can be at most %(max)s characters.") % {"max": MAX_TEXT})
    if not text and not attachments:
        raise BadInput(_("The message is empty."))
    return InboundMessage(
        channel=Channel.CHAT,
        external_id=external_id(session, client_id),
        sender=SenderIdentity(kind=IdentityKind.CHAT, address=session.visitor_id, name=session.name),
        other_identities=identities(session),
        text=text,
        attachments=tuple(attachments),
        ticket_id=session.ticket_id,
        new_conversation=session.ticket_id is None,
        category_slug=category_slug,
        order_ref=session.order_ref,
        team_slug=team_slug,
        language=session.language,
        metadata={"chat_session": str(session.public_id), "client_id": client_id},
    )
