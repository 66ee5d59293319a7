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
        "Message-ID: <card-otp-1@mail.example>",  # an address is not a secret
        "kirim OTP ke budi.otp2024@gmail.com",
    ],
)
def test_it_leaves_codes_that_are_not_otps_and_talk_about_passwords_alone(text):
    result = redact(text)
    assert result.text == text
    assert not result.flagged


# --- Every entry point: attachments, order numbers, names, agent replies and notes -------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


def security_events(ticket):
    return list(ticket.events.filter(kind=TicketEvent.Kind.SECURITY).values_list("after", flat=True))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("kartu_4111111111111111.png", "kartu_411111******1111.png"),
        ("4111-1111-1111-1111_depan.jpg", "411111******1111_depan.jpg"),
        ("otp 123456.png", "otp [disamarkan].png"),
        ("C:\\Users\\budi\\kartu 5555555555554444.pdf", "kartu 555555******4444.pdf"),
    ],
)
def test_card_numbers_and_otps_in_file_names_are_masked_and_the_extension_kept(name, expected):
    from tickets.attachments import clean_filename

    assert clean_filename(name).text == expected
    assert clean_filename(name).flagged


@pytest.mark.parametrize(
    "name",
    [
        "INV-20260301-MPL-3612345678.pdf",
        "bukti transfer Rp1.250.000.jpg",
        "IMG_20260301_101530.jpg",
        "wa 0812-3456-7890.png",
    ],
)
def test_ordinary_file_names_are_kept_as_they_are(name):
    from tickets.attachments import clean_filename

    assert clean_filename(name).text == name
    assert not clean_filename(name).flagged


@pytest.mark.django_db
def test_a_card_only_in_an_attachment_name_flags_the_ticket():
    from tickets.inbound import InboundAttachment

    ticket = customer_ticket(
        "lihat lampiran", attachments=(InboundAttachment(filename="kartu_4111111111111111.png", content=PNG),)
    )
    ticket.refresh_from_db()
    assert ticket.messages.get().attachments.get().filename == "kartu_411111******1111.png"
    assert ticket.security_flag
    assert security_events(ticket) == [{"masked": ["card"]}]


@pytest.mark.django_db
def test_a_channel_file_attached_later_with_a_card_in_its_name_flags_the_ticket():
    from tickets import actions

    ticket = customer_ticket("[Image]", channel="whatsapp", kind="phone", sender="+6281234567890")
    attachment = actions.add_attachment(
        ticket.messages.get(), filename="kartu 4111 1111 1111 1111.jpg", content=PNG, key="media-1"
    )
    ticket.refresh_from_db()
    assert attachment is not None and attachment.filename == "kartu 411111******1111.jpg"
    assert ticket.security_flag
    assert security_events(ticket) == [{"masked": ["card"]}]


@pytest.mark.django_db
def test_an_agent_reply_with_a_card_is_masked_and_flags_the_ticket(personas):
    from tickets import actions

    ticket = customer_ticket("Kartu saya dipakai orang")
    assert not ticket.security_flag
    message = actions.reply(ticket, by=personas.agent, text="Kartu 4111 1111 1111 1111 sudah kami blokir.")
    ticket.refresh_from_db()
    assert message.text == "Kartu 411111******1111 sudah kami blokir."
    assert ticket.security_flag
    event = ticket.events.get(kind=TicketEvent.Kind.SECURITY)
    assert event.after == {"masked": ["card"]}
    assert event.actor == personas.agent


@pytest.mark.django_db
def test_a_note_or_a_reply_attachment_with_a_card_in_its_name_flags_the_ticket(personas):
    from tickets import actions
    from tickets.inbound import InboundAttachment

    ticket = customer_ticket("Kartu saya dipakai orang")
    actions.add_note(ticket, by=personas.agent, text="Nasabah bilang OTP 482913 diminta penelpon")
    actions.reply(
        ticket,
        by=personas.agent,
        text="Terlampir surat blokir",
        attachments=(InboundAttachment(filename="blokir_5555555555554444.pdf", content=b"%PDF-1.4\n"),),
    )
    ticket.refresh_from_db()
    assert ticket.messages.get(direction="note").text == "Nasabah bilang OTP [disamarkan] diminta penelpon"
    assert ticket.security_flag
    assert security_events(ticket) == [{"masked": ["secret"]}, {"masked": ["card"]}]


@pytest.mark.django_db
def test_an_agent_reply_without_secrets_does_not_flag_the_ticket(personas):
    from tickets import actions

    ticket = customer_ticket("Pesanan saya belum sampai")
    actions.reply(
        ticket, by=personas.agent, text="Pesanan INV/20260301/MPL/3612345678 dikirim, total Rp 1.250.000."
    )
    ticket.refresh_from_db()
    assert not ticket.security_flag
    assert not security_events(ticket)


@pytest.mark.django_db
def test_a_card_typed_as_the_order_number_is_masked_and_flags_the_ticket():
    ticket = customer_ticket("Tolong cek", order_ref="4111 1111 1111 1111")
    assert ticket.order_ref == "411111******1111"
    assert ticket.security_flag
    assert security_events(ticket) == [{"masked": ["card"]}]


@pytest.mark.django_db
def test_an_ordinary_order_number_is_kept_and_does_not_flag():
    ticket = customer_ticket("Tolong cek", order_ref="INV/20260301/MPL/3612345678")
    assert ticket.order_ref == "INV/20260301/MPL/3612345678"
    assert not ticket.security_flag


@pytest.mark.django_db
def test_an_agent_setting_a_card_as_the_order_number_gets_it_masked_and_the_ticket_flagged(personas):
    from tickets import actions

    ticket = customer_ticket("Tolong cek")
    actions.set_order_ref(ticket, order_ref="5555-5555-5555-4444", by=personas.agent)
    ticket.refresh_from_db()
    assert ticket.order_ref == "555555******4444"
    assert ticket.security_flag
    assert "5555555555554444" not in str(list(ticket.events.values_list("before", "after")))


@pytest.mark.django_db
def test_a_card_in_the_customers_name_is_masked_on_the_contact_and_its_identity():
    ticket = customer_ticket("Halo", name="Budi 4111111111111111")
    contact = ticket.contact
    assert contact.name == "Budi 411111******1111"
    assert contact.identities.get().display_name == "Budi 411111******1111"
    ticket.refresh_from_db()
    assert ticket.security_flag


@pytest.mark.django_db
def test_a_phone_ticket_from_the_desk_masks_subject_order_number_and_name(agent_client):
    from tickets.models import Ticket

    agent_client.post(
        "/desk/phone/new/",
        {
            "phone": "0812-3456-7890",
            "name": "Ibu Sari",
            "requester_role": "buyer",
            "order_ref": "4111111111111111",
            "subject": "Kartu 4111 1111 1111 1111 dipakai",
            "text": "Penelpon bilang kartunya dipakai orang.",
        },
    )
    ticket = Ticket.objects.get()
    assert ticket.subject == "Kartu 411111******1111 dipakai"
    assert ticket.order_ref == "411111******1111"
    assert ticket.security_flag


@pytest.mark.django_db
def test_an_api_ticket_masks_the_order_number(api):
    response = api.post(
        "/api/tickets/",
        {
            "channel": "phone",
            "phone": "0812-3456-7890",
            "name": "Rina",
            "subject": "Top up",
            "text": "Sudah bayar",
            "order_ref": "5555 5555 5555 4444",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["order_ref"] == "555555******4444"
    assert response.json()["security_flag"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kartu 4111-1111-1111-1111 exp 12/26 cvv 123", "kartu 411111******1111 exp 12/26 cvv [disamarkan]"),
        ("CVC: 4321", "CVC: [disamarkan]"),
        ("cvv2 nya 987 kak", "cvv2 nya [disamarkan] kak"),
    ],
)
def test_it_masks_a_cards_security_code_which_must_never_be_stored(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", ["Tidak ada CVV di kartu debit saya", "cvv-nya di belakang kartu", "csc 12"])
def test_talk_about_security_codes_without_one_is_left_alone(text):
    assert redact(text).text == text
