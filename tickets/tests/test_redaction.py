"""Card numbers and OTPs are masked before storing; phone numbers, order numbers and amounts are not."""

import pytest

from tests.factories import customer_ticket
from tickets.models import TicketEvent
from tickets.redaction import luhn_valid, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Nomor kartu saya 4111 1111 1111 1111 kena tagihan",
            "Nomor kartu saya 411111******1111 kena tagihan",
        ),
        ("kartu 4111-1111-1111-1111.", "kartu 411111******1111."),
        ("card: 5500005555555559", "card: 550000******5559"),
        ("Amex 378282246310005 dipakai", "Amex 378282*****0005 dipakai"),  # 15 digits
        ("JCB 3530111333300000", "JCB 353011******0000"),
        ("visa 4222222222222 (13 digit)", "visa 422222***2222 (13 digit)"),
        ("UnionPay 6200000000000005", "UnionPay 620000******0005"),
        ("19 digit 6011 0009 9013 9424 330", "19 digit 601100*********4330"),
    ],
)
def test_it_masks_luhn_valid_card_numbers_to_first_six_and_last_four(text, expected):
    result = redact(text)
    assert result.text == expected
    assert result.cards == 1


@pytest.mark.parametrize(
    "text",
    [
        "Hubungi saya di 0812-3456-7890 atau +62 812 3456 7890",
        "WA 6281234567890 ya kak",
        "nomor 08123456789012",  # long Indonesian mobile number
        "Pesanan INV/20240101/MPL/3612345678 belum sampai",
        "order ORD-4111111111111111 masih pending",  # Luhn-valid digits glued to an order prefix
        "Saya transfer Rp 1.500.000 dan Rp1500000",
        "resi JNE 4111111111111112",  # fails Luhn
        "tanggal 2024-01-01 jam 10:00",
        "NIK 3171234567890001 saya",  # 16 digits, fails Luhn
    ],
)
def test_it_leaves_phone_numbers_order_numbers_and_amounts_intact(text):
    result = redact(text)
    assert result.text == text
    assert not result.flagged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kode OTP saya 482913", "kode OTP saya [disamarkan]"),
        ("OTP: 482913 tolong cepat", "OTP: [disamarkan] tolong cepat"),
        ("Ini kode verifikasi 5521 dari SMS", "Ini kode verifikasi [disamarkan] dari SMS"),
        ("password saya adalah Rahasia123", "password saya adalah [disamarkan]"),
        ("kata sandi: kucing99!", "kata sandi: [disamarkan]"),
        ("my PIN is 123456", "my PIN is [disamarkan]"),
        ("The verification code is 998877", "The verification code is [disamarkan]"),
    ],
)
def test_it_masks_disclosed_otps_and_passwords(text, expected):
    result = redact(text)
    assert result.text == expected
    assert result.secrets == 1


@pytest.mark.parametrize(
    "text",
    [
        "OTP tidak masuk ke HP saya",
        "Saya lupa password, bagaimana reset?",
        "Kode OTP sudah expired",
        "PIN saya diblokir",
    ],
)
def test_it_does_not_flag_talk_about_otps_without_a_code(text):
    assert redact(text).text == text


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


@pytest.mark.django_db
def test_a_message_with_a_card_number_is_stored_masked_and_the_ticket_flagged():
    ticket = customer_ticket(
        "Kartu 4111 1111 1111 1111 saya dipakai orang, OTP 123456 juga diminta",
        subject="Penipuan kartu 4111111111111111",
    )
    message = ticket.messages.get()
    assert "4111 1111 1111 1111" not in message.text
    assert "411111******1111" in message.text
    assert "123456" not in message.text
    assert ticket.subject == "Penipuan kartu 411111******1111"
    assert ticket.security_flag
    security = ticket.events.get(kind=TicketEvent.Kind.SECURITY)
    assert security.after == {"masked": ["card", "secret"]}
    assert "4111111111111111" not in ticket.search_text


@pytest.mark.django_db
def test_an_attachment_name_with_a_card_number_is_masked():
    from tickets.inbound import InboundAttachment

    ticket = customer_ticket(
        "lihat lampiran",
        attachments=(
            InboundAttachment(
                filename="kartu 4111111111111111.png", content=b"\x89PNG\r\n\x1a\n" + b"0" * 20
            ),
        ),
    )
    attachment = ticket.messages.get().attachments.get()
    assert attachment.filename == "kartu 411111******1111.png"
    assert attachment.content_type == "image/png"
