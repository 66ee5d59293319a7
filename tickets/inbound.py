"""The one shape every channel's payload is turned into before it reaches tickets.actions.receive_message.

Adapters in channels_intake/<channel>/adapter.py build these; the contact form and agents logging a phone
call build them too. They are plain frozen data: easy to build from fixtures and to compare in tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content: bytes
    content_type: str = ""  # what the sender claimed; the stored type is detected from the content
    content_id: str = ""  # inline images referenced as cid:...


@dataclass(frozen=True)
class SenderIdentity:
    kind: str  # tickets.models.IdentityKind
    address: str  # raw; receive_message normalises it
    name: str = ""


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # tickets.models.Channel
    external_id: str | None  # provider's id; None only for sources without one (agent-logged calls)
    sender: SenderIdentity
    text: str = ""
    full_text: str = ""  # with quoted history; defaults to text
    html: str = ""  # unsanitised; receive_message sanitises it
    subject: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    sent_at: dt.datetime | None = None
    # Extra identities the customer gave (the form's phone field, a chat visitor's email): they join the
    # same Contact, so a later WhatsApp message from that phone finds this customer.
    other_identities: tuple[SenderIdentity, ...] = ()
    cc: tuple[SenderIdentity, ...] = ()
    # Threading hints: email Message-IDs referenced, an explicit ticket (the status page), a ticket number
    # quoted in the subject.
    references: tuple[str, ...] = ()
    ticket_id: int | None = None
    subject_ticket_number: int | None = None
    # A stream channel's message that starts a new conversation (a live-chat session's first message):
    # it opens a ticket instead of joining the contact's open one. The chat's pre-chat email is not
    # verified, so it must not pull a visitor into someone else's open chat.
    new_conversation: bool = False
    # Ticket fields a structured source (form, agent) knows up front.
    category_slug: str = ""
    requester_role: str = ""
    order_ref: str = ""
    team_slug: str = ""
    language: str = ""
    # Mail a machine sent (auto-replies, bounces, spam): no SLA clock counts it, nothing acknowledges it.
    is_automatic: bool = False
    # Whether a new ticket gets the acknowledgement mail. False for sources that must not write to the
    # customer (demo data); a real message without an email address is simply not acknowledged
    # (tickets.notifications decides by the address), it is not automatic.
    acknowledge: bool = True
    metadata: dict[str, object] = field(default_factory=dict)
