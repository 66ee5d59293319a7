"""The parser's promises: it never raises, charsets are decoded sensibly, quotes fold where they should."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_intake.email import adapter
from channels_intake.email.charsets import decode_bytes, decode_header
from channels_intake.email.html_text import html_to_text
from channels_intake.email.quoting import fold
from channels_intake.email.tests.conftest import FIXTURES

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(result: adapter.ParsedEmail | adapter.Quarantine) -> None:
    assert isinstance(result, adapter.ParsedEmail | adapter.Quarantine)
    if isinstance(result, adapter.ParsedEmail):
        message = result.message
        for text in (message.text, message.full_text, message.subject, message.html, message.sender.address):
            text.encode("utf-8")  # storable: no lone surrogates
            assert "\x00" not in text
        assert message.external_id and len(message.external_id) <= 500


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_make_the_parser_raise(raw):
    _check(adapter.parse(raw))


_header_names = st.sampled_from(
    ["From", "To", "Cc", "Subject", "Message-ID", "In-Reply-To", "References", "Content-Type", "Date",
     "Content-Transfer-Encoding", "Content-Disposition", "Reply-To", "Auto-Submitted", "Return-Path"]
)  # fmt: skip
_header_values = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        ["multipart/mixed; boundary=x", "text/plain; charset=x-bogus", "=?utf-8?b?!!!?=", "=?x?q?=ZZ?=",
         "<a@b>", "base64", "quoted-printable", "attachment; filename*=bogus''%ZZ", "<>", "a@b, <c@d>"]
    ),
)  # fmt: skip


@FUZZ
@given(st.lists(st.tuples(_header_names, _header_values), max_size=12), st.binary(max_size=2048))
def test_mail_shaped_garbage_never_makes_the_parser_raise(headers, body):
    head = "\n".join(f"{name}: {value}" for name, value in headers).encode("utf-8", errors="surrogateescape")
    _check(adapter.parse(head + b"\n\n" + body))


@FUZZ
@given(st.sampled_from(sorted(p.name for p in FIXTURES.glob("*.eml"))), st.data())
def test_damaged_fixtures_never_make_the_parser_raise(name, data):
    raw = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=20))):
        position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[position] = data.draw(st.integers(min_value=0, max_value=255))
    cut = data.draw(st.integers(min_value=0, max_value=len(raw)))
    _check(adapter.parse(bytes(raw[:cut])))


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        ("café".encode(), "iso-8859-1", "café"),  # declared Latin-1, really UTF-8
        ("café".encode("cp1252"), "utf-8", "café"),  # declared UTF-8, really Windows-1252
        ("“quoted”".encode("cp1252"), "us-ascii", "“quoted”"),
        ("日本語".encode("iso2022_jp"), "ISO-2022-JP", "日本語"),
        ("한국어".encode("cp949"), "ks_c_5601-1987", "한국어"),
        ("订单".encode("gb18030"), "gb2312", "订单"),
        (b"Rp 10.000", "x-no-such-charset", "Rp 10.000"),
        (b"\x81\x8d\x8f", "utf-8", "\x81\x8d\x8f".encode("latin-1").decode("latin-1")),
    ],
)
def test_charsets_are_decoded_even_when_they_lie(data, declared, expected):
    assert decode_bytes(data, declared)[0] == expected


def test_headers_decode_split_multibyte_words_and_raw_8bit():
    assert decode_header("=?UTF-8?B?8J+Ukw==?= =?UTF-8?Q?_Flash?=") == "🔓 Flash"
    assert decode_header("=?utf-8?q?Pesanan_=E2=80=93?=\n =?utf-8?q?_baru?=") == "Pesanan – baru"
    assert (
        decode_header("Pesanan — sampai".encode().decode("ascii", errors="surrogateescape"))
        == "Pesanan — sampai"
    )
    assert decode_header("=?bogus-charset?Q?caf=C3=A9?=") == "café"


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        (
            "Sudah dicek?\n\nPada Sen, 1 Apr 2024 pukul 09.00 CS <cs@x.example> menulis:\n> lama",
            "Sudah dicek?",
        ),
        (
            "Sudah dicek?\n\nPada tanggal Sen, 1 Apr 2024 09.00, CS <cs@x.example>\nmenulis:\n> lama",
            "Sudah dicek?",
        ),
        (
            "Oke.\n\nDari: CS Tokoku\nDikirim: Senin, 1 April 2024 09.00\nKepada: Budi\nPerihal: Pesanan\n\nlama",
            "Oke.",
        ),
        ("Oke.\n\nFrom: CS\nSent: Monday, April 1, 2024 9:00 AM\nTo: Budi\nSubject: x\n\nold", "Oke."),
        ("Oke.\n\n-----Pesan Asli-----\nDari: CS\n\nlama", "Oke."),
        ("Oke.\n\n-----Original Message-----\nFrom: CS\n\nold", "Oke."),
        ("Oke.\n\nOn Mon, 1 Apr 2024 at 09:00, CS <cs@x.example> wrote:\n> old", "Oke."),
        ("Oke.\n> quoted\n> more", "Oke."),
        ("Oke.\n\n-- \nBudi\n0812", "Oke."),
        ("Oke.\n\nDikirim dari iPhone saya", "Oke."),
        ("> only a quote", "> only a quote"),  # never an empty visible part
        ("Lihat:\n\n---------- Forwarded message ---------\nFrom: Toko\n\nisi", None),  # forwarded: kept
        ("Penjual menulis:\nbarang sudah dikirim", None),  # a sentence, not an attribution
        ("Oke.\n\nSent from my iPhone", "Oke."),
        ("Oke.\n\nSent from my Samsung Galaxy smartphone.", "Oke."),
        ("Oke.\n\nSent via Samsung Galaxy", "Oke."),
        ("Oke.\n\nKirim dari Yahoo Mail di Android", "Oke."),
        ("Oke.\n\nGet Outlook for Android", "Oke."),
        ("Oke.\nKiriman dari Jakarta belum sampai juga", None),  # "kiriman" is a shipment
        ("Oke.\nKirim dari Surabaya tanggal 3", None),
        ("Paid.\nSent via bank transfer yesterday", None),
        ("Paid.\nSent from my office account at BCA", None),
        ("Dikirim dari iPhone saya\nTapi belum sampai", None),  # not at the end
        ("Data:\n--\n" + "\n".join(f"baris {n}" for n in range(9)), None),  # a long block is not a signature
        ("Data:\n--\nNomor INV/1\nBisa dicek?", None),  # a question is not a signature
        ("Oke.\n\n-- \n" + "\n".join(f"PT Makmur {n}" for n in range(12)), "Oke."),  # "-- ": longer allowed
        ("Oke.\n\nDari: Jakarta\nKepada: Surabaya\nPerihal: paket", None),  # no date: not a quote header
        ("Oke.\n\nDari: CS Tokoku\n\nDikirim: Senin\nlama", None),  # not in a row
        ("Oke.\n\nDari: CS Tokoku <cs@x.example>\nTanggal: 1 April 2024\nlama", "Oke."),
    ],
)
def test_quoted_history_and_signatures_fold_away(text, visible):
    folded = fold(text)
    assert folded.visible == (visible if visible is not None else text)
    assert folded.full == text


def test_html_becomes_readable_text_with_quotes_marked():
    html = (
        "<div>Halo<br>kak</div><ul><li>satu</li><li>dua</li></ul><script>x()</script>"
        '<a href="https://toko.example/p/1">produk</a><blockquote>lama</blockquote>'
    )
    assert html_to_text(html) == "Halo\nkak\n\n- satu\n- dua\n\nproduk <https://toko.example/p/1>\n\n> lama"
