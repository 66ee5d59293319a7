"""What each channel lets a business send, and when: checked before a reply is stored.

WhatsApp: free text only within 24 hours of the customer's last message (Meta's customer-service
window); after that only an approved template. Instagram and Messenger: 24 hours too, or 7 days with
Meta's HUMAN_AGENT tag when META_HUMAN_AGENT_TAG is on; they have no templates. X: no window.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.conf import settings
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.accounts import conversation_account_id, gone_account_reason
from tickets.actions import ActionError
from tickets.models import Channel, Direction, Message, Ticket

WINDOW = dt.timedelta(hours=24)
HUMAN_AGENT_WINDOW = dt.timedelta(days=7)
WINDOWED = {Channel.WHATSAPP, Channel.INSTAGRAM, Channel.MESSENGER}
NO_ATTACHMENTS = {Channel.INSTAGRAM, Channel.X}


def last_customer_message_at(ticket: Ticket) -> dt.datetime | None:
    """When the customer last wrote to us on the ticket's channel (any of their tickets: one window).

    Counted from when the customer sent it (the provider's timestamp), not when we processed it: an
    event picked up late, after an outage, must not reopen a window Meta has already closed. Where the
    provider gave no time, or one later than our own (a skewed clock), our receiving time counts. When
    the conversation came in on one of our accounts (a WhatsApp business number), only messages to that
    account count: Meta's window is per business number and customer.
    """
    messages = Message.objects.filter(
        Q(ticket=ticket) | Q(author_contact_id=ticket.contact_id),
        channel=ticket.channel,
        direction=Direction.INBOUND,
    )
    account = conversation_account_id(ticket)
    if account:
        messages = messages.filter(metadata__account=account)
    sent = Coalesce(Least("sent_at", "created_at"), "created_at")
    last: dt.datetime | None = messages.aggregate(last=Max(sent))["last"]
    return last


def window(ticket: Ticket) -> dt.timedelta:
    if ticket.channel in (Channel.INSTAGRAM, Channel.MESSENGER) and settings.META_HUMAN_AGENT_TAG:
        return HUMAN_AGENT_WINDOW
    return WINDOW


def window_closes_at(ticket: Ticket) -> dt.datetime | None:
    """When free text stops being allowed; None on channels without a window or without a message."""
    if ticket.channel not in WINDOWED:
        return None
    last = last_customer_message_at(ticket)
    return last + window(ticket) if last else None


def needs_human_agent_tag(ticket: Ticket, *, at: dt.datetime | None = None) -> bool:
    """Instagram/Messenger: past the standard 24 hours, so the message must carry HUMAN_AGENT."""
    if ticket.channel not in (Channel.INSTAGRAM, Channel.MESSENGER) or not settings.META_HUMAN_AGENT_TAG:
        return False
    last = last_customer_message_at(ticket)
    return last is not None and (at or timezone.now()) - last > WINDOW


def check_can_send(
    ticket: Ticket, *, kind: Literal["text", "template"] = "text", with_attachments: bool = False
) -> None:
    """Raise ActionError, with a sentence for the agent, when the channel would refuse this message."""
    channel = ticket.channel
    gone = gone_account_reason(ticket)
    if gone:
        raise ActionError(gone)
    if kind == "template":
        if channel != Channel.WHATSAPP:
            raise ActionError(_("Message templates can only be sent on WhatsApp tickets."))
        return
    if with_attachments and channel in NO_ATTACHMENTS:
        raise ActionError(
            _("Files cannot be sent on %(channel)s from SupportDesk yet; send a link or the text instead.")
            % {"channel": Channel(channel).label}
        )
    if channel not in WINDOWED:
        return
    closes = window_closes_at(ticket)
    if closes is not None and timezone.now() <= closes:
        return
    if channel == Channel.WHATSAPP:
        raise ActionError(
            _(
                "WhatsApp only allows free text within 24 hours of the customer's last message, and that "
                "window has closed. Send an approved message template instead; when the customer answers, "
                "you can write freely again."
            )
        )
    days = window(ticket).days or 1
    raise ActionError(
        _(
            "%(channel)s only allows answers within %(hours)d hours of the customer's last message, and "
            "that window has closed. The customer has to write again before you can answer."
        )
        % {"channel": Channel(channel).label, "hours": days * 24}
    )
