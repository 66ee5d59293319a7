"""Every real-world-shaped fixture, through the real intake path, and what the ticket looks like after."""

from __future__ import annotations

import pytest

from channels_intake.email.tests.conftest import FIXTURES, load
from channels_intake.models import InboundEvent
from tickets.models import Direction, Message, Ticket

pytestmark = pytest.mark.django_db

# name: what the stored ticket and message must show. Keys: sender, name, subject, text (substrings in the
# visible text), hidden (folded away: not visible, but in the full text), attachments [(name, type, cid)],
# automatic, participants, language, html / no_html (substrings of the sanitised HTML).
CORPUS: dict[str, dict] = {
    "gmail_plain_id.eml": {
        "sender": "budi.santoso@gmail.example",
        "name": "Budi Santoso",
        "subject": "Pesanan INV/20240310/MPL/3612345678 belum sampai",
        "text": ["sudah 5 hari belum sampai", 'Status di\naplikasi masih "Dikirim"'],
        "html": ["Mohon dibantu cek ke kurir ya."],
    },
    "gmail_reply_id_quote.eml": {
        "sender": "siti.rahma@gmail.example",
        "text": ["dana refund belum masuk ke rekening BCA saya"],
        "hidden": ["menulis:", "Refund sedang diproses"],
    },
    "gmail_reply_en_wrapped_attribution.eml": {
        "sender": "kevin.tan@gmail.example",
        "text": ["still says the code\nis not valid"],
        "hidden": ["please try the code again after clearing the cart"],
        "language": "en",
    },
    "outlook_reply_id_windows1252.eml": {
        "sender": "dewi.lestari@outlook.example",
        "text": ["barangnya – kardus penyok", "Mohon “retur” diproses"],
        "hidden": ["Dikirim: Kamis, 14 Maret 2024", "mohon kirimkan foto barang"],
        "language": "id",
    },
    "outlook_reply_en_html.eml": {
        "sender": "m.wong@contoso.example",
        "text": ["PT Contoso Indonesia", "Thanks,\nMichael"],
        "hidden": ["Sent: Monday, March 18, 2024", "which company name"],
        "no_html": ["<style", "MsoNormal{"],
    },
    "apple_mail_inline_image.eml": {
        "sender": "rina.k@icloud.example",
        "text": ["segelnya sudah terbuka"],
        "hidden": ["Sent from my iPhone"],
        "attachments": [("paket.png", "image/png", "F3A1C2B4-1111-2222-3333-444455556666@home")],
        "html": ['src="cid:F3A1C2B4-1111-2222-3333-444455556666@home"'],
        "no_html": ["tracker.example"],
    },
    "yahoo_reply.eml": {
        "sender": "andi_wijaya@yahoo.example",
        "text": ["0812-3456-7890 belum masuk"],
        "hidden": ["Sent from Yahoo Mail on Android", "mohon info nomor tujuan"],
    },
    "html_only.eml": {
        "sender": "lina.marlina@mail.example",
        "text": ["Saya tidak bisa login ke aplikasi", "- HP: Samsung A52", "“akun dibatasi”"],
        "html": ["<b>tidak bisa login</b>"],
    },
    "html_with_script_and_form.eml": {
        "sender": "promo@phish.example",
        "text": ["Akun anda akan diblokir", "<https://phish.example/login>"],
        "html": ['href="https://phish.example/login"', 'src="cid:logo@phish"'],
        "no_html": ["<script", "alert", "onload", "<form", "<input", "javascript:", "pixel.gif", "<style"],
    },
    "attachment_pdf.eml": {
        "sender": "hendra@bisnis.example",
        "text": ["bukti transfer untuk pesanan 88123"],
        "attachments": [("bukti-transfer-88123.pdf", "application/pdf", "")],
    },
    "attachment_rfc2231_filename.eml": {
        "sender": "wayan@mail.example",
        "name": "Wayan Sudiarta",
        "subject": "Foto barang cacat – pesanan 77001",
        "attachments": [("foto barang – cacat.png", "image/png", "")],
    },
    "forwarded_inline_gmail.eml": {
        "sender": "yusuf.m@gmail.example",
        "text": ["pesanan saya dibatalkan otomatis", "Forwarded message", "sebesar Rp 250.000 berhasil"],
    },
    "forwarded_as_attachment.eml": {
        "sender": "agus.salim@corp.example",
        "text": ["Saya ditagih dua kali", "Subject: Tagihan Maret 2024", "dibayar 2x pada 20 Maret"],
        "attachments": [("Tagihan Maret 2024.eml", "message/rfc822", "")],
    },
    "iso_2022_jp.eml": {
        "sender": "tanaka@mail.jp.example",
        "name": "田中 太郎",
        "subject": "商品が届きません",
        "text": ["注文した商品がまだ届きません"],
    },
    "windows_1252_declared.eml": {
        "sender": "rene@mail.fr.example",
        "subject": "Commande annulée",
        "text": ["a été annulée – pourquoi ? “Merci” d’avance."],
    },
    "lying_charset_latin1_is_utf8.eml": {
        "sender": "putu.ayu@mail.example",
        "text": ["mahal sekali — Rp 85.000?", "😕"],
    },
    "unknown_charset.eml": {"sender": "fajar@mail.example", "text": ["Rp 1.999.000 “promo”."]},
    "raw_8bit_headers.eml": {
        "sender": "made.ayu@mail.example",
        "subject": "Pesanan saya hilang — tolong dicek ✅",
        "text": ["resi JNE 1234567890 tidak ditemukan"],
    },
    "broken_mime_missing_boundary.eml": {
        "sender": "rudi@mail.example",
        "text": ["Kurir tidak sampai ke rumah tapi status sudah diterima"],
    },
    "broken_mime_unterminated.eml": {
        "sender": "rudi@mail.example",
        "text": ["alamat tidak ditemukan"],
        "attachments": [("rumah.jpg", "image/jpeg", "")],
    },
    "broken_base64_attachment.eml": {
        "sender": "tono@mail.example",
        "text": ["Resi terlampir."],
        "attachments": [("resi.pdf", "application/pdf", "")],
    },
    "missing_message_id_and_date.eml": {"sender": "joko@mail.example", "text": ["tanpa header Message-ID"]},
    "missing_from_reply_to_only.eml": {"sender": "sri.wahyuni@mail.example", "name": "Sri Wahyuni"},
    "autoreply_auto_submitted_id.eml": {"sender": "bambang@kantor.example", "automatic": True},
    "autoreply_x_autoreply.eml": {"sender": "cahya.putri@yahoo.example", "automatic": True},
    "autoreply_outlook_precedence.eml": {"sender": "gita@perusahaan.example", "automatic": True},
    "autoreply_x_loop.eml": {"sender": "helpdesk@vendor.example", "automatic": True},
    "newsletter_precedence_bulk.eml": {
        "sender": "promo@news.elektro.example",
        "subject": "🔥 Flash Sale 11.11 – Diskon 90%!",
        "automatic": True,
        "text": ["Diskon hingga 90%"],
        "no_html": ["banner.jpg", "open?id=123"],
    },
    "newsletter_spam_flagged.eml": {"sender": "winner@lottery-spam.example", "automatic": True, "spam": True},
    "noreply_marketplace_notification.eml": {"sender": "no-reply@marketplace.example", "automatic": True},
    "contact_form_relay_reply_to.eml": {
        "sender": "wulan.sari@mail.example",
        "name": "Wulan Sari",
        "text": ["cicilan 0% untuk kartu kredit BNI"],
    },
    "cc_participants.eml": {
        "sender": "rahmat@ukm.example",
        "participants": {"bendahara@ukm.example", "dian@ukm.example"},
    },
    "card_number_and_otp.eml": {
        "sender": "eko.saputra@mail.example",
        "subject": "Kartu 411111******1111 terdebit dua kali",
        "text": ["411111******1111 terdebit", "kode OTP [disamarkan]"],
        "attachments": [("mutasi 411111******1111.png", "image/png", "")],
    },
    "calendar_invite.eml": {
        "sender": "tommy@partner.example",
        "text": ["rapat kerja sama program afiliasi"],
        "attachments": [("invite.ics", "text/calendar", "")],
    },
    "tnef_winmail.eml": {
        "sender": "old.user@legacy.example",
        "attachments": [("winmail.dat", "application/octet-stream", "")],
    },
    "mbox_from_line.eml": {"sender": "maya.sari@mail.example", "subject": "Dari arsip mbox"},
    "english_customer.eml": {
        "sender": "sarah.j@mail.example",
        "text": ["received size 42"],
        "hidden": ["Jakarta Selatan"],
        "language": "en",
    },
    "indonesian_mobile_signature.eml": {
        "sender": "dimas.a@mail.example",
        "text": ["Gimana cara ganti alamat"],
        "hidden": ["Dikirim dari iPhone saya"],
    },
    "outlook_pesan_asli.eml": {
        "sender": "nurul@kantor.example",
        "text": ["NPWP-nya salah"],
        "hidden": ["-----Pesan Asli-----", "Terlampir faktur pajak"],
    },
    "html_only_gmail_quote.eml": {
        "sender": "yanti.s@gmail.example",
        "text": ["tolong dibatalkan saja pesanannya"],
        "hidden": ["Apakah Kakak ingin membatalkan pesanan?"],
    },
    "quoted_printable_utf8_emoji.eml": {
        "sender": "citra@mail.example",
        "subject": "Terima kasih 🙏",
        "text": ["terima kasih banyak 🙏😊"],
    },
    "gb2312_chinese.eml": {
        "sender": "li.wei@mail.cn.example",
        "subject": "订单问题",
        "text": ["请帮忙查一下。镕"],
    },
    "nested_mixed_alternative_related.eml": {
        "sender": "bayu.f@mail.example",
        "text": ["mati total setelah 2 minggu"],
        "attachments": [
            ("laptop.png", "image/png", "laptop-photo@bayu"),
            ("nota.pdf", "application/pdf", ""),
        ],
        "html": ['src="cid:laptop-photo@bayu"'],
    },
    "empty_body.eml": {"sender": "irfan@mail.example", "subject": "Tolong telepon saya"},
    "signature_dashes_and_quote_blocks.eml": {
        "sender": "anton@mail.example",
        "text": ["resi JT0099887766"],
        "hidden": ["Toko Makmur Jaya", "Mohon kirim barang retur"],
    },
    # 21 MB: a 15.6 MB uncompressed scan (over the 10 MB part limit: dropped with a note) and a small PDF.
    "big_20mb_scanned_receipt.eml.gz": {
        "sender": "hendra.g@mail.example",
        "subject": "Bukti transfer pesanan INV/20240405/MPL/3655501234 (hasil scan)",
        "text": ["Terlampir hasil scan bukti transfer dan invoice"],
        "attachments": [("invoice-3655501234.pdf", "application/pdf", "")],
    },
    # Customer text that looks like a signature or a quote header to a careless folder: kept visible.
    "kiriman_dari_not_a_signature.eml": {
        "sender": "lestari.w@gmail.example",
        "text": ["INV/20240401/MPL/3698765432", "Kiriman dari Jakarta belum sampai juga"],
    },
    "sent_via_not_a_signature.eml": {
        "sender": "kevin.tan@gmail.example",
        "text": ["Sent via BCA mobile banking to the virtual account"],
        "language": "en",
    },
    "double_dash_before_order_details.eml": {
        "sender": "yusuf.r@mail.example",
        "text": ["Alamat benar: Jl. Melati No. 21", "Bisa diubah sebelum dikirim?"],
    },
    "dari_kepada_in_customer_text.eml": {
        "sender": "sri.handayani@yahoo.example",
        "text": ["Dari: Toko Batik Laweyan, Solo", "Sudah seminggu statusnya tidak berubah."],
    },
    "signature_short_block.eml": {
        "sender": "anton@mail.example",
        "text": ["Mohon invoice atas nama PT Makmur Jaya"],
        "hidden": ["Purchasing, PT Makmur Jaya", "Dikirim dari Yahoo Mail di Android"],
    },
}


def test_the_corpus_has_at_least_forty_real_world_fixtures():
    assert len(list(FIXTURES.glob("*.eml")) + list(FIXTURES.glob("*.eml.gz"))) >= 40
    assert all((FIXTURES / name).exists() for name in CORPUS)


def test_the_20_mb_fixture_really_is_a_20_mb_message():
    assert len(load("big_20mb_scanned_receipt.eml.gz")) > 20 * 1024 * 1024


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_fixture_becomes_the_ticket_and_message_it_should(name, ingest):
    expected = CORPUS[name]
    event = ingest(name)
    assert event.state == InboundEvent.State.PROCESSED, event.error
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    message = ticket.messages.get(direction=Direction.INBOUND)
    assert ticket.contact.email == expected["sender"]
    assert message.author_contact_id == ticket.contact_id
    assert message.external_id and message.external_id.startswith("<")
    if "name" in expected:
        assert ticket.contact.name == expected["name"]
    if "subject" in expected:
        assert message.subject == expected["subject"]
        assert ticket.subject == expected["subject"]
    for fragment in expected.get("text", []):
        assert fragment in message.text, (fragment, message.text)
    for fragment in expected.get("hidden", []):
        assert fragment not in message.text, (fragment, message.text)
        assert fragment in message.full_text, (fragment, message.full_text)
    stored = [(a.filename, a.content_type, a.content_id) for a in message.attachments.order_by("pk")]
    assert stored == expected.get("attachments", [])
    for attachment in message.attachments.all():
        assert attachment.size > 0 and len(attachment.sha256) == 64
    assert message.is_automatic is expected.get("automatic", False)
    participants = {c.email for c in ticket.participants.prefetch_related("identities")}
    assert participants == expected.get("participants", set())
    if "language" in expected:
        assert ticket.contact.language == expected["language"]
    for fragment in expected.get("html", []):
        assert fragment in message.html, (fragment, message.html)
    for fragment in expected.get("no_html", []):
        assert fragment not in message.html, (fragment, message.html)
    assert bool(message.metadata.get("spam")) is expected.get("spam", False)
    # No text is ever stored with the replacement garbage of a wrong charset guess.
    assert "Ã" not in message.text and "\ufffd" not in message.subject


def test_a_message_without_any_sender_is_quarantined_with_the_reason(ingest):
    event = ingest("no_sender_at_all.eml")
    assert event.state == InboundEvent.State.QUARANTINED
    assert "no valid sender" in event.error
    assert not Message.objects.exists()


def test_the_same_message_id_delivered_twice_is_one_message(ingest):
    first = ingest("gmail_plain_id.eml")
    second = ingest("gmail_plain_id.eml", source="imap")
    assert first.ticket_ids == second.ticket_ids
    assert second.error == "duplicate of an earlier delivery"
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


def test_a_message_without_message_id_delivered_twice_is_still_one_message(ingest):
    ingest("missing_message_id_and_date.eml")
    ingest("missing_message_id_and_date.eml")
    assert Message.objects.count() == 1
    assert Message.objects.get().metadata["message_id_missing"] is True


def test_card_numbers_and_otps_are_masked_and_flag_the_ticket(ingest):
    event = ingest("card_number_and_otp.eml")
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    message = ticket.messages.get()
    assert ticket.security_flag
    assert "4111111111111111" not in ticket.subject + message.text + message.attachments.get().filename
    assert "845123" not in message.text


def test_a_card_in_the_html_part_and_in_a_dropped_part_name_is_masked_everywhere(ingest, settings):
    settings.EMAIL_MAX_PART_BYTES = 1024  # the zip is dropped: only its name is kept, in metadata and a note
    event = ingest("card_in_html_and_dropped_part.eml")
    ticket = Ticket.objects.get(pk=event.ticket_ids[0])
    message = ticket.messages.get(direction=Direction.INBOUND)
    note = ticket.messages.get(direction=Direction.NOTE)
    stored = " ".join(
        [message.text, message.full_text, message.html, str(message.metadata), note.text, ticket.subject]
    )
    for digits in ("4111111111111111", "4111 1111 1111 1111", "4111&nbsp;1111", "4 8 2 9 1 3"):
        assert digits not in stored
    assert "kartu 411111******1111 123 (CVV" in message.text
    assert "<b>411111******1111</b>&nbsp;123" in message.html
    assert message.metadata["dropped"][0]["name"] == "kartu_411111******1111_semua_foto.zip"
    # What must stay: the order number, the amount and the phone number, in text and HTML.
    for kept in ("INV/20240405/MPL/3612345678", "Rp 1.250.000", "0812-3456-7890"):
        assert kept in message.text
    assert "INV/20240405/MPL/3612345678" in message.html and "Rp&nbsp;1.250.000" in message.html
    assert ticket.security_flag
