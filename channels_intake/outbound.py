"""Which sender delivers a message on which channel.

Each channel folder has an ``outbound.py`` with ``send(message) -> str | None`` (the provider's id for
the sent message). Web-form and phone tickets are answered by email.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from django.utils.translation import gettext as _

from channels_intake.transport import TransportError
from tickets.models import Channel, Message

# channel -> module path of its sender
SENDERS: dict[str, str] = {
    Channel.EMAIL: "channels_intake.email.outbound",
    Channel.WEB: "channels_intake.email.outbound",
    Channel.PHONE: "channels_intake.email.outbound",
    # Message channels (branch meta)
    Channel.WHATSAPP: "channels_intake.whatsapp.outbound",
    Channel.INSTAGRAM: "channels_intake.instagram.outbound",
    Channel.MESSENGER: "channels_intake.messenger.outbound",
    Channel.X: "channels_intake.x.outbound",
    Channel.CHAT: "channels_intake.chat.outbound",
}


def sender_for(channel: str) -> Callable[[Message], str | None]:
    path = SENDERS.get(channel)
    if path is None:
        raise TransportError(
            _("Sending on %(channel)s is not set up on this SupportDesk.")
            % {"channel": Channel(channel).label},
            permanent=True,
        )
    send: Callable[[Message], str | None] = import_module(path).send
    return send
