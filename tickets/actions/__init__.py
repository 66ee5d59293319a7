"""Every change to a ticket happens here, whoever asks: web workspace, API, channels, workers.

Each action validates, writes the change and its TicketEvent in one transaction, tells the SLA clocks,
and queues side effects (sending, acknowledgements) to run after commit. Callers handle ActionError,
whose message is written for the person who asked.

The functions live in topic modules; callers import them from here.
"""

from tickets.actions.base import STREAM_CHANNELS, ActionError, follow_merges, record_event, record_events
from tickets.actions.contacts import find_or_create_contact
from tickets.actions.inbound import Received, log_phone_call, receive_message, sanitise_html
from tickets.actions.merging import merge, merge_contacts
from tickets.actions.properties import (
    assign,
    change_status,
    set_category,
    set_channel,
    set_order_ref,
    set_priority,
    set_tags,
    set_team,
)
from tickets.actions.replies import (
    add_attachment,
    add_note,
    email_customer,
    record_delivery,
    reply,
    send_template,
)

__all__ = [
    "STREAM_CHANNELS",
    "ActionError",
    "Received",
    "add_attachment",
    "add_note",
    "assign",
    "change_status",
    "email_customer",
    "find_or_create_contact",
    "follow_merges",
    "log_phone_call",
    "merge",
    "merge_contacts",
    "receive_message",
    "record_delivery",
    "record_event",
    "record_events",
    "reply",
    "sanitise_html",
    "send_template",
    "set_category",
    "set_channel",
    "set_order_ref",
    "set_priority",
    "set_tags",
    "set_team",
]
