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


# --- Card numbers followed by CVV/expiry digits, unusual separators, HTML ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kartu 4111 1111 1111 1111 123", "Kartu 411111******1111 123"),  # CVV after the number
        ("kartu 4111111111111111 123", "kartu 411111******1111 123"),
        ("Nomor kartu 5555 5555 5555 4444 12 26", "Nomor kartu 555555******4444 12 26"),  # expiry 12/26
        ("kartu 5555-5555-5555-4444 exp 12/26", "kartu 555555******4444 exp 12/26"),
        ("tgl 2024 01 01 kartu 4111 1111 1111 1111", "tgl 2024 01 01 kartu 411111******1111"),
        ("tanggal 15 4111 1111 1111 1111 ditagih", "tanggal 15 411111******1111 ditagih"),
        (
            "dua kartu: 4111 1111 1111 1111 5555 5555 5555 4444",
            "dua kartu: 411111******1111 555555******4444",
        ),
        ("kartu 4111\u00a01111\u00a01111\u00a01111 dipakai", "kartu 411111******1111 dipakai"),
        ("kartu 4111\u20091111\u20091111\u20091111", "kartu 411111******1111"),  # thin spaces
        ("kartu 4111\u202f1111\u202f1111\u202f1111", "kartu 411111******1111"),  # narrow no-break spaces
        ("kartu 4111.1111.1111.1111", "kartu 411111******1111"),
        ("kartu 4111 - 1111 - 1111 - 1111", "kartu 411111******1111"),
        ("kartu 4111\u200b1111\u200b1111\u200b1111", "kartu 411111******1111"),  # zero-width spaces
        ("foto_kartu_4111111111111111", "foto_kartu_411111******1111"),
    ],
)
def test_it_masks_card_numbers_with_trailing_digit_groups_and_unusual_separators(text, expected):
    result = redact(text)
    assert result.text == expected
    assert result.cards == expected.count("******")


@pytest.mark.parametrize(
    "text",
    [
        "Hubungi +62 812-3456-7890 atau 081234567890",
        "HP 0812 3456 7890 0813 9876 5432",  # two phone numbers in a row
        "no hp 0812-3456-7890 / 0857 1234 5678",
        "Pesanan INV/20260301/MPL/3612345678 belum sampai",
        "Total Rp 1.250.000 (Rp 12.345.678.901.234)",  # thousands separators are not card groups
        "NIK 3171 2345 6789 0001",
        "NIK: 3171234567890001, KK 3171234567890002",
        "nomor resi JNE0012345678 dan JP1234567890123",
        "kode booking 2024 0101 1234 jam 10.30",
        "Rekening BCA 123 456 7890 a.n. Budi",
        "Token listrik 1234 5678 9012 3456 7890",  # 20 digits, PLN prepaid token
    ],
)
def test_it_keeps_phone_numbers_order_numbers_ids_and_amounts_in_digit_runs(text):
    result = redact(text)
    assert result.text == text
    assert not result.flagged


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>kartu 4111&nbsp;1111&nbsp;1111&nbsp;1111</p>", "<p>kartu 411111******1111</p>"),
        ("<p>4111&#160;1111&#xa0;1111 1111</p>", "<p>411111******1111</p>"),
        ("<p>kartu <b>4111</b> 1111 1111 1111 ya</p>", "<p>kartu <b>411111******1111</b> ya</p>"),
        (
            '<p>kartu <span style="color:#123456">4111 1111</span> 1111 1111</p>',
            '<p>kartu <span style="color:#123456">411111******1111</span></p>',
        ),
        ("<p>OTP saya: <b>482913</b></p>", "<p>OTP saya: <b>[disamarkan]</b></p>"),
        ("<p>kode OTP&nbsp;482913</p>", "<p>kode OTP&nbsp;[disamarkan]</p>"),
    ],
)
def test_it_masks_cards_and_otps_in_sanitised_html(html, expected):
    result = redact(html, html=True)
    assert result.text == expected
    assert result.flagged


@pytest.mark.parametrize(
    "html",
    [
        "<table><tr><td>4111</td><td>1111</td><td>1111</td><td>1111</td></tr></table>",  # four cells
        "<p>Total Rp&nbsp;1.250.000, HP 0812&nbsp;3456&nbsp;7890</p>",
        '<p><a href="https://shop.example/INV/20260301/MPL/3612345678">pesanan</a></p>',
    ],
)
def test_it_leaves_table_cells_amounts_and_links_in_html_alone(html):
    result = redact(html, html=True)
    assert result.text == html
    assert not result.flagged


# --- OTP and password disclosures ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password saya rahasia", "password saya [disamarkan]"),
        ("my otp is abcdef", "my otp is [disamarkan]"),
        ("123456 adalah kode OTP saya", "[disamarkan] adalah kode OTP saya"),
        ("482913 is my verification code", "[disamarkan] is my verification code"),
        ("otp: 12 34 56", "otp: [disamarkan]"),
        ("kode verifikasi 4 8 2 9 1 3", "kode verifikasi [disamarkan]"),
        ("PIN saya 123456", "PIN saya [disamarkan]"),
        ("sandi: Rahasia123", "sandi: [disamarkan]"),
        ("OTP-nya 482913 kak", "OTP-nya [disamarkan] kak"),
        ("kode OTP saya 482913.", "kode OTP saya [disamarkan]."),  # the full stop is not the secret
        ("Saya dapat SMS OTP dari bank. Kode: 482913", "Saya dapat SMS OTP dari bank. Kode: [disamarkan]"),
        (
            "Kode: 482913, itu kode verifikasi dari aplikasi",
            "Kode: [disamarkan], itu kode verifikasi dari aplikasi",
        ),
    ],
)
def test_it_masks_otps_and_passwords_disclosed_in_everyday_phrasing(text, expected):
    result = redact(text)
    assert result.text == expected
    assert result.secrets == 1


@pytest.mark.parametrize(
    "text",
    [
        "Kode: 482913",  # "kode" alone: kode pos, kode promo, kode booking... no OTP word nearby
        "kode promo HEMAT50 tidak bisa dipakai",
        "kode pos 12345",
        "Kode: 12345 (kode pos Jakarta)",
        "kode booking: AB12345",
        "nomor resi JNE0012345678",
        "Pesanan 123456 OTP tidak masuk",
        "password saya diganti orang",
        "password saya hilang, tolong bantu",
        "my otp is not arriving",
        "my OTP is expired",
        "PIN saya diblokir setelah 3 kali salah",
        "Ganti password sekarang",
        "OTP saya nggak masuk-masuk",
    ],
)
def test_it_leaves_codes_that_are_not_otps_and_talk_about_passwords_alone(text):
    result = redact(text)
    assert result.text == text
    assert not result.flagged
