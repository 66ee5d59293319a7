"""Finding tickets by what an agent remembers: words of the subject or conversation, an order number,
the customer's name or address. The API and the desk inbox share this one query."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tickets.models import ContactIdentity, Ticket


def search_tickets(qs: QuerySet[Ticket], q: str) -> QuerySet[Ticket]:
    """Tickets of ``qs`` whose subject, order number, message text, contact name or address contain ``q``.

    Case-insensitive; an empty query returns ``qs`` unchanged. Identities are matched through a subquery so
    a contact with several addresses does not repeat a ticket.
    """
    term = q.strip()
    if not term:
        return qs
    addresses = ContactIdentity.objects.filter(address__icontains=term).values("contact_id")
    return qs.filter(
        Q(subject__icontains=term)
        | Q(order_ref__icontains=term)
        | Q(search_text__icontains=term)
        | Q(contact__name__icontains=term)
        | Q(contact_id__in=addresses)
    )
