"""Finding tickets by what an agent types: a ticket number, an order number, a customer, or words.

On PostgreSQL the words go through real full-text search ('simple' configuration, so Indonesian and
English are treated alike) over subject + Ticket.search_text, served by the GIN index of migration
0004_desk_search_indexes; order numbers match by any part through the trigram index of migration 0005.
On SQLite the same questions are answered with icontains, which is enough for a single-office install.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Q, QuerySet

from tickets import identities
from tickets.models import Contact, Ticket

Rows = TypeVar("Rows", bound=QuerySet[Any, Any])

MAX_QUERY_LENGTH = 200
MAX_PREFIX_WORDS = 8

# '#SD-12', 'SD-12', 'sd12', '#12' and '12' all name ticket 12.
_TICKET_NUMBER = re.compile(r"^\s*#?\s*(?:sd\s*-?\s*)?(\d{1,12})\s*$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


def ticket_number(text: str) -> int | None:
    """The ticket number an agent typed, if the whole text is one."""
    match = _TICKET_NUMBER.match(text)
    return int(match.group(1)) if match else None


def search_vector() -> SearchVector:
    """Must stay identical to the expression indexed by migration 0004_desk_search_indexes."""
    return SearchVector("subject", "search_text", config="simple")


def search(tickets: Rows, text: str) -> Rows:
    """``tickets`` narrowed to those matching ``text``; unchanged for an empty text."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return tickets
    postgres = connections[tickets.db].vendor == "postgresql"
    condition = Q(pk__in=_word_matches(text, postgres=postgres)) | Q(contact_id__in=_contact_matches(text))
    # Any part of an order number (customers quote its tail). On PostgreSQL the trigram index of migration
    # 0005 serves this from three characters on; shorter texts match order numbers by their start only.
    short = postgres and len(text) < 3
    condition |= Q(order_ref__istartswith=text) if short else Q(order_ref__icontains=text)
    number = ticket_number(text)
    if number is not None:
        condition |= Q(pk=number)
    return tickets.filter(condition)


def _word_matches(text: str, *, postgres: bool) -> QuerySet[Ticket, Any]:
    """Ids of tickets whose subject or message text has every word (each word also as a prefix)."""
    if postgres:
        query = SearchQuery(text, search_type="plain", config="simple")
        words = _WORD.findall(text.lower())[:MAX_PREFIX_WORDS]
        if words:
            # \w excludes quotes and tsquery operators, so the raw query cannot be malformed.
            prefix = " & ".join(f"'{word}':*" for word in words)
            query = query | SearchQuery(prefix, search_type="raw", config="simple")
        return Ticket.objects.alias(document=search_vector()).filter(document=query).values("pk")
    condition = Q()
    for word in _WORD.findall(text.lower())[:MAX_PREFIX_WORDS]:
        condition &= Q(subject__icontains=word) | Q(search_text__icontains=word)
    return Ticket.objects.filter(condition).values("pk")


def _contact_matches(text: str) -> QuerySet[Contact, Any]:
    """Ids of contacts whose name or any address contains the text (a typed phone number normalised)."""
    condition = Q(name__icontains=text) | Q(identities__address__icontains=text.lower())
    if sum(ch.isdigit() for ch in text) >= 6:
        with contextlib.suppress(ValidationError):  # not a phone number after all
            condition |= Q(identities__address=identities.normalise_phone(text))
    return Contact.objects.filter(condition).values("pk")
