"""Normalising addresses so that one customer is one Contact across channels."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tickets.models import IdentityKind


def normalise_email(raw: str) -> str:
    address = raw.strip().strip("<>").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(_("%(address)s is not a valid email address.") % {"address": raw}) from None
    return address


def normalise_phone(raw: str, region: str | None = None) -> str:
    """E.164, e.g. '0812-3456-7890' and '+62 812 3456 7890' both become '+6281234567890'.

    WhatsApp sends ids without the plus ('6281234567890'): those are international already.
    """
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text and not text.startswith(("+", "0")) and len(digits) >= 10:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("%(number)s is not a phone number.") % {"number": raw}) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("%(number)s is not a possible phone number.") % {"number": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_handle(raw: str) -> str:
    handle = raw.strip()
    if not handle:
        raise ValidationError(_("An empty user id cannot identify a contact."))
    return handle


def normalise(kind: str, raw: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalise_email(raw)
    if kind == IdentityKind.PHONE:
        return normalise_phone(raw)
    return normalise_handle(raw)
