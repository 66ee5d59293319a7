"""The Contact behind an address: one customer is one contact across channels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from tickets import identities
from tickets.actions.base import follow_merges
from tickets.inbound import SenderIdentity
from tickets.models import Contact, ContactIdentity
from tickets.redaction import redact


def find_or_create_contact(
    sender: SenderIdentity,
    *,
    others: Sequence[SenderIdentity] = (),
    language: str = "",
    lock: bool = False,
) -> Contact:
    """The Contact behind an address; raises ValidationError for an address that cannot be normalised.

    Other identities the customer gave join the same contact when they are new; when the sender's own
    address is new but one of the others is known, the sender joins that known contact (a form that
    gives the phone number a WhatsApp chat came from).

    ``lock``: the contact's row is locked in the caller's transaction (receive_message serialises the
    messages of one contact this way). A contact created here needs no lock: no other transaction can
    see it before this one commits.
    """
    address = identities.normalise(sender.kind, sender.address)
    name = _name(sender.name)  # names are typed by customers too: "Budi 4111 1111 1111 1111"
    normalised_others: list[tuple[str, str, str]] = []
    for other in others:
        try:
            normalised_others.append(
                (other.kind, identities.normalise(other.kind, other.address), _name(other.name))
            )
        except ValidationError:
            continue
    # Every address the message gives, with its contact, in one query. With the sender's address alone
    # (every email) that query also takes the lock; locking the contacts of several addresses at once
    # could deadlock two messages that give them in a different order, so that case locks afterwards.
    lock_in_query = lock and not normalised_others
    rows = ContactIdentity.objects.select_related("contact").filter(
        _identity_filter([(sender.kind, address, sender.name), *normalised_others])
    )
    if lock_in_query:
        rows = rows.select_for_update(of=("contact",))
    known_identities = {(row.kind, row.address): row for row in rows}
    locked_ids = {row.contact_id for row in known_identities.values()} if lock_in_query else set()
    new_contact: Contact | None = None
    identity = known_identities.get((sender.kind, address))
    if identity is not None:
        contact = follow_merges(identity.contact)
    else:
        # The first known one in the identities' own order, as .first() picked it.
        given = [known_identities.get((kind, other)) for kind, other, _name in normalised_others]
        known = min(filter(None, given), key=lambda row: (row.kind, row.address), default=None)
        if known is not None:
            contact = follow_merges(known.contact)
        else:
            contact = new_contact = Contact.objects.create(
                name=name, language=language if language in dict(settings.LANGUAGES) else "id"
            )
        identity, created = _add_identity(sender.kind, address, contact=contact, display_name=name)
        if not created and identity.contact_id != contact.pk:
            # A concurrent first message from the same address won the race: join its contact.
            if known is None and not contact.identities.exists():
                contact.delete()
            contact = follow_merges(identity.contact)
    if lock and contact is not new_contact and contact.pk not in locked_ids:
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if name and not contact.name:
        contact.name = name
        contact.save(update_fields=["name"])
    for kind, other_address, other_name in normalised_others:
        if (kind, other_address) not in known_identities:
            _add_identity(kind, other_address, contact=contact, display_name=other_name)
    return contact


def _add_identity(
    kind: str, address: str, *, contact: Contact, display_name: str
) -> tuple[ContactIdentity, bool]:
    """get_or_create for an address the caller just looked up and did not find: (identity, created).

    Another transaction may have added it since (the unique constraint says so): then its row.
    """
    try:
        with transaction.atomic():
            identity = ContactIdentity.objects.create(
                kind=kind, address=address, contact=contact, display_name=display_name[:200]
            )
    except IntegrityError:
        return ContactIdentity.objects.select_related("contact").get(kind=kind, address=address), False
    return identity, True


def _name(value: str) -> str:
    return redact(value).text[:200]


def _identity_filter(pairs: Iterable[tuple[str, str, str]]) -> Q:
    query = Q(pk__in=[])
    for kind, address, _name in pairs:
        query |= Q(kind=kind, address=address)
    return query
