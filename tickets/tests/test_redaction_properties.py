"""Property tests of the redaction step: every real-looking card is masked, every phone number survives."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tickets.redaction import luhn_valid, redact

SEPARATORS = ["", " ", "-", "\u00a0", "\u2009", ".", " - "]


def _with_check_digit(body: str) -> str:
    return next(body + digit for digit in "0123456789" if luhn_valid(body + digit))


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "55", "2221", "37", "35", "62", "6011"]))
    length = 15 if prefix == "37" else draw(st.sampled_from([16, 16, 16, 19]))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    return _with_check_digit(body)


def _grouped(digits: str, separator: str) -> str:
    return separator.join(digits[index : index + 4] for index in range(0, len(digits), 4))


@settings(max_examples=300, deadline=None)
@given(
    card=cards(),
    separator=st.sampled_from(SEPARATORS),
    before=st.sampled_from(["Kartu saya ", "card: ", "tgl 15 ", "no kartu\n", "kartu_", ""]),
    after=st.sampled_from(["", " 123", " 12 26", " exp 12/26", ".", " tolong blokir", "_depan.png"]),
)
def test_a_card_in_any_common_format_never_survives_whole(card, separator, before, after):
    text = f"{before}{_grouped(card, separator)}{after}"
    result = redact(text)
    assert card not in re.sub(r"\D", "", result.text)
    assert result.cards == 1


@st.composite
def phones(draw: st.DrawFn) -> str:
    operator = draw(st.sampled_from(["811", "812", "813", "821", "852", "857", "877", "878", "895", "896"]))
    rest = "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=6, max_size=9)))
    digits = operator + rest
    style = draw(st.sampled_from(["0", "+62 ", "62", "+62", "(+62) "]))
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    return style + separator.join([digits[:3], digits[3:7], digits[7:]]).rstrip(separator)


@settings(max_examples=300, deadline=None)
@given(first=phones(), second=phones(), joiner=st.sampled_from([" ", " / ", " atau ", ", "]))
def test_indonesian_phone_numbers_are_never_masked_even_two_in_a_row(first, second, joiner):
    text = f"Hubungi saya di {first}{joiner}{second} ya"
    result = redact(text)
    assert result.text == text


def test_a_pasted_list_of_a_thousand_cards_is_masked_quickly():
    text = " ".join(["4111 1111 1111 1111"] * 1000)
    started = time.perf_counter()
    result = redact(text)
    assert result.cards == 1000
    assert time.perf_counter() - started < 5
