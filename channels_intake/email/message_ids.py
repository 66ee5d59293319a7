"""Our own Message-IDs: ``<sd.{ticket}.{part}.{signature}@domain>``.

The signature (an HMAC of ticket and part under SECRET_KEY) lets a reply be threaded by the ticket number
inside the Message-ID it answers without trusting a forged one: anyone can write ``sd.42.x`` into a
References header, nobody without our key can sign it.
"""

from __future__ import annotations

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

from tickets.notifications import message_id_domain

_SALT = "channels_intake.email.message-id"
_SIGNATURE_LENGTH = 20  # hex characters: 80 bits
OUR_ID = re.compile(r"<?sd\.(?P<ticket>\d{1,12})\.(?P<part>[a-z0-9]{1,40})\.(?P<sig>[0-9a-f]{20})@[^>\s]+>?")


def _signature(ticket_id: int, part: str) -> str:
    return salted_hmac(_SALT, f"{ticket_id}.{part}", algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def make_message_id(ticket_id: int, part: str = "") -> str:
    """A Message-ID for mail about ``ticket_id``; ``part`` names the message (random when empty)."""
    part = (part or "r" + secrets.token_hex(6)).lower()
    return f"<sd.{ticket_id}.{part}.{_signature(ticket_id, part)}@{message_id_domain()}>"


def ticket_from_message_id(value: str) -> int | None:
    """The ticket a Message-ID of ours names, or None when it is not ours or its signature is wrong."""
    match = OUR_ID.fullmatch(value.strip())
    if match is None:
        return None
    ticket_id = int(match["ticket"])
    if not constant_time_compare(match["sig"], _signature(ticket_id, match["part"])):
        return None
    return ticket_id


def ticket_from_references(message_ids: list[str] | tuple[str, ...]) -> int | None:
    """The first ticket named by a correctly signed Message-ID of ours (callers pass newest first)."""
    for value in message_ids:
        ticket_id = ticket_from_message_id(value)
        if ticket_id is not None:
            return ticket_id
    return None


def find_our_ids(text: str) -> list[str]:
    """Every Message-ID of ours with a valid signature quoted anywhere in ``text`` (a bounce's body)."""
    found: list[str] = []
    for match in OUR_ID.finditer(text):
        value = match.group(0)
        if not value.startswith("<"):
            value = "<" + value
        if not value.endswith(">"):
            value += ">"
        if ticket_from_message_id(value) is not None and value not in found:
            found.append(value)
    return found
