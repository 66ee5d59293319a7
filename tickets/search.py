"""Finding tickets by what an agent types: a ticket number, an order number, a customer, or words.

On PostgreSQL the words go through real full-text search ('simple' configuration, so Indonesian and
English are treated alike) over subject + Ticket.search_text, stored as the generated column
``search_document`` and served by its GIN index (migration 0010_stored_search_document); order numbers by their start through the UPPER(order_ref) index, or by digits
anywhere in them, and names and addresses, through the trigram indexes of migration
0006_contact_search_trigram (and 0005_order_ref_trigram for order numbers). Every part of
the search is a condition on the ticket row that one of those indexes answers (contacts found first, in
a subquery run once), so PostgreSQL combines them in one bitmap scan instead of reading the whole ticket
table (docs/PERFORMANCE.md). On SQLite the same questions are answered with icontains, which is enough
for a single-office install.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BooleanField, Expression, F, Func, Q, QuerySet, Subquery

from tickets import identities
from tickets.models import Contact, ContactIdentity, IdentityKind, Ticket

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


class SearchDocument(Expression):
    """The ticket's stored ``search_document`` column (PostgreSQL; migration 0010_stored_search_document):
    to_tsvector('simple', subject || ' ' || search_text), computed by PostgreSQL on every write and
    indexed by ``ticket_search_document``. Not a model field, so the ORM never selects or writes it."""

    output_field = SearchVectorField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_document')}", []


class _AnyOf(Func):
    """``column = ANY(ARRAY(subquery))`` (PostgreSQL): the subquery runs once and its ids probe the
    column's index, so the condition can join others in one bitmap scan (``IN (subquery)`` cannot)."""

    arg_joiner = " = ANY(ARRAY"
    template = "(%(expressions)s))"
    output_field = BooleanField()


def normalised(text: str) -> str:
    """What is searched for: ``text`` with its spaces collapsed, at most MAX_QUERY_LENGTH long."""
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search(tickets: Rows, text: str) -> Rows:
    """``tickets`` narrowed to those matching ``text``; unchanged for an empty text."""
    text = normalised(text)
    if not text:
        return tickets
    number = ticket_number(text)
    if connections[tickets.db].vendor != "postgresql":
        condition = Q(pk__in=_word_matches(text)) | Q(contact_id__in=_contact_matches(text))
        condition |= Q(order_ref__icontains=text)
        if number is not None:
            condition |= Q(pk=number)
        return tickets.filter(condition)
    names, addresses = _contact_ids(text)
    # An order number matches from its start (the btree prefix index), or by digits anywhere in it (the
    # trigram index: its trigrams of letters and slashes are in every order number, too slow to look up).
    order = (
        Q(order_ref__icontains=text) if text.isdigit() and len(text) >= 4 else Q(order_ref__istartswith=text)
    )
    condition = Q(search_document=_search_query(text)) | order
    condition |= Q(_AnyOf(F("contact_id"), Subquery(names))) | Q(_AnyOf(F("contact_id"), Subquery(addresses)))
    if number is not None:
        condition |= Q(pk=number)
    return tickets.alias(search_document=SearchDocument()).filter(condition)


def _search_query(text: str) -> SearchQuery:
    """Every word, as typed and (each) as a prefix."""
    query = SearchQuery(text, search_type="plain", config="simple")
    words = _WORD.findall(text.lower())[:MAX_PREFIX_WORDS]
    if words:
        # \w excludes quotes and tsquery operators, so the raw query cannot be malformed.
        prefix = " & ".join(f"'{word}':*" for word in words)
        query = query | SearchQuery(prefix, search_type="raw", config="simple")
    return query


def _contact_ids(text: str) -> tuple[QuerySet[Contact, Any], QuerySet[ContactIdentity, Any]]:
    """Contacts whose name contains the text, and those with an address that contains it (a typed phone
    number also normalised), as two id subqueries: each one index (trigram or unique address)."""
    addresses = Q(address__icontains=text.lower())
    if sum(ch.isdigit() for ch in text) >= 6:
        with contextlib.suppress(ValidationError):  # not a phone number after all
            # With its kind, so the unique (kind, address) index answers it (address alone: a scan).
            addresses |= Q(kind=IdentityKind.PHONE, address=identities.normalise_phone(text))
    return (
        Contact.objects.filter(name__icontains=text).values("pk"),
        ContactIdentity.objects.filter(addresses).values("contact_id"),
    )


def _word_matches(text: str) -> QuerySet[Ticket, Any]:
    """Ids of tickets whose subject or message text has every word (SQLite)."""
    condition = Q()
    for word in _WORD.findall(text.lower())[:MAX_PREFIX_WORDS]:
        condition &= Q(subject__icontains=word) | Q(search_text__icontains=word)
    return Ticket.objects.filter(condition).values("pk")


def _contact_matches(text: str) -> QuerySet[Contact, Any]:
    """Ids of contacts whose name or any address contains the text, a typed phone number normalised (SQLite)."""
    names, addresses = _contact_ids(text)
    return Contact.objects.filter(Q(pk__in=names) | Q(pk__in=addresses)).values("pk")
