"""One customer, one contact: how addresses are normalised (phones E.164, handles as the channel compares them)."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import inbound
from tickets import actions, identities
from tickets.inbound import SenderIdentity
from tickets.models import Contact, IdentityKind


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),  # mobile, national
        ("(0812) 3456-7890", "+6281234567890"),  # as printed on an invoice
        ("812-3456-7890", "+6281234567890"),  # without the trunk 0: still Indonesian, not Japanese
        ("+62 812 3456 7890", "+6281234567890"),
        ("62 812 3456 7890", "+6281234567890"),  # the country code without a plus
        ("6281234567890", "+6281234567890"),  # as WhatsApp writes its ids
        ("0062 812 3456 7890", "+6281234567890"),  # the international prefix
        ("(021) 555-1234", "+62215551234"),  # a Jakarta landline
        ("021 2555 1234", "+622125551234"),
        ("(0274) 512345", "+62274512345"),  # Yogyakarta
        ("+65 9123 4567", "+6591234567"),  # a Singaporean mobile
        ("+1 650-253-0000", "+16502530000"),
    ],
)
def test_phone_numbers_become_e164_with_indonesia_as_the_home_region(typed, expected):
    assert identities.normalise_phone(typed) == expected


@pytest.mark.parametrize(
    "typed", ["12345", "08123", "0811111", "INV/202603", "TOPUP-889120", "", "   ", "+62 12"]
)
def test_what_is_not_a_valid_phone_number_is_refused_with_a_clear_error(typed):
    with pytest.raises(ValidationError) as error:
        identities.normalise_phone(typed)
    assert "is not a valid phone number" in str(error.value) or "empty" in str(error.value)


@pytest.mark.parametrize(
    ("kind", "typed", "expected"),
    [
        (IdentityKind.INSTAGRAM, "@Budi.Santoso", "budi.santoso"),
        (IdentityKind.INSTAGRAM, " budi.santoso ", "budi.santoso"),
        (IdentityKind.X, "@TokoBudi_ID", "tokobudi_id"),
        (IdentityKind.X, "1453221109876543210", "1453221109876543210"),
        # Page-scoped ids (Messenger) and chat visitor tokens are compared exactly.
        (IdentityKind.MESSENGER, "24785651337725384", "24785651337725384"),
        (IdentityKind.CHAT, "Vb3kQ9xZ", "Vb3kQ9xZ"),
    ],
)
def test_handles_are_normalised_as_their_channel_compares_them(kind, typed, expected):
    assert identities.normalise(kind, typed) == expected


@pytest.mark.parametrize("typed", ["", "  ", "@", " @ "])
def test_an_empty_handle_is_refused(typed):
    with pytest.raises(ValidationError):
        identities.normalise(IdentityKind.INSTAGRAM, typed)


@pytest.mark.django_db
def test_a_handle_with_and_without_at_sign_or_capitals_is_one_contact():
    first = actions.find_or_create_contact(SenderIdentity(kind=IdentityKind.INSTAGRAM, address="@Budi"))
    second = actions.find_or_create_contact(SenderIdentity(kind=IdentityKind.INSTAGRAM, address="budi"))
    assert first.pk == second.pk
    assert Contact.objects.count() == 1


@pytest.mark.django_db
def test_a_phone_written_two_ways_is_one_contact():
    first = actions.receive_message(inbound("Halo", channel="whatsapp", kind="phone", sender="6281234567890"))
    second = actions.receive_message(
        inbound(
            "Saya telepon tadi", channel="web", kind="phone", sender="(0812) 3456-7890", new_conversation=True
        )
    )
    assert first.ticket.contact_id == second.ticket.contact_id
