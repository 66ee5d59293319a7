"""Delivering an agent's reply on a chat ticket.

The visitor's widget reads the conversation from the database; sending is a poke to the chat's sockets.
A chat the visitor left (out of hours, or after nobody answered in time, or ended) is answered by email
when we have their address.
"""

from __future__ import annotations

from channels_intake.chat.models import ChatSession
from channels_intake.email import outbound as email_outbound
from tickets import live
from tickets.models import Message


def send(message: Message) -> str | None:
    """Called by channels_intake.tasks.deliver_message; returns the email Message-ID if it was emailed."""
    session = ChatSession.objects.filter(ticket_id=message.ticket_id).order_by("-created_at").first()
    if session is not None and not session.is_live and message.ticket.contact.email:
        return email_outbound.send(message)
    live.send_to_groups(
        [live.ticket_group(message.ticket_id)],
        live.ticket_event(message.ticket_id, "chat_reply", message_id=message.pk),
    )
    return None
