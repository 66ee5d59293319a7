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
    """E.164: '0812-3456-7890', '(0812) 3456-7890', '812-3456-7890' and '+62 812 3456 7890' all become
    '+6281234567890'; '(021) 555-1234' becomes '+62215551234'. Mobiles and landlines are accepted;
    anything that is not a valid number is refused (ValidationError).

    A number with a leading '+' or '00' is international; one starting with 62 without a plus is
    Indonesian with its country code (how WhatsApp writes ids and how customers paste them); everything
    else is read as a national number of ``region`` (default: DEFAULT_PHONE_REGION, Indonesia).
    """
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        text, home = "+" + digits, None
    elif digits.startswith("00"):
        text, home = "+" + digits[2:], None
    elif digits.startswith("62") and len(digits) >= 10:
        text, home = "+" + digits, None
    else:
        home = region or settings.DEFAULT_PHONE_REGION
    try:
        number = phonenumbers.parse(text, home)
    except phonenumbers.NumberParseException:
        number = None
    # Letters mixed with digits (an order number such as 'INV/202603') are not a phone number either.
    if number is None or any(ch.isalpha() for ch in text) or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("%(number)s is not a valid phone number. Write it with its area code, e.g. 0812 3456 7890.")
            % {"number": raw.strip() or "—"}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Channels whose user names are case-insensitive: '@Budi' and 'budi' are one customer there.
CASE_INSENSITIVE_HANDLES = {IdentityKind.INSTAGRAM, IdentityKind.X}


def normalise_handle(raw: str, kind: str = "") -> str:
    """A social handle or id as the channel compares it: without a leading '@', lower-cased where the
    channel ignores case (Instagram, X). Page-scoped ids (Messenger) and chat visitor ids stay exact."""
    handle = raw.strip()
    if kind in CASE_INSENSITIVE_HANDLES:
        handle = handle.lstrip("@").strip().lower()
    elif kind == IdentityKind.MESSENGER:
        handle = handle.lstrip("@").strip()
    if not handle:
        raise ValidationError(_("An empty user id cannot identify a contact."))
    return handle


def normalise(kind: str, raw: str) -> str:
    if kind == IdentityKind.EMAIL:
        return normalise_email(raw)
    if kind == IdentityKind.PHONE:
        return normalise_phone(raw)
    return normalise_handle(raw, kind)
