"""The one redaction step every text passes through before it is stored.

Card numbers: only the first 6 and last 4 digits may be kept (what a card-fraud report needs).
OTPs and passwords: support never asks for them, so a message carrying one is masked and flagged as a
fraud signal. Phone numbers, order numbers and amounts must survive untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# 13-19 digits, optionally grouped by single spaces or dashes, not glued to other digits, letters or the
# separators order numbers use ("INV/2024/...", "ORD-...").
_CARD_CANDIDATE = re.compile(r"(?<![\w/.+-])(?:\d[ -]?){12,18}\d(?![\w/])")

# "OTP 123456", "kode OTP saya: 123456", "kode verifikasi 1234", "PIN: 123456", "password: hunter2",
# "kata sandi saya adalah abc123". The secret is what follows the keyword and optional filler words.
_SECRET_KEYWORDS = (
    r"otp|one[- ]time[- ]password|kode\s+(?:otp|verifikasi|keamanan|rahasia|sms)|verification\s+code|"
    r"security\s+code|pin|password|passwd|kata\s+sandi|sandi"
)
_FILLER = r"(?:\s*\b(?:saya|aku|anda|kamu|my|your|is|adalah|yaitu|yakni|ialah|nya)\b|\s*[=:-])*\s*"
_SECRET = re.compile(
    rf"(?P<keyword>\b(?:{_SECRET_KEYWORDS})\b){_FILLER}\s*(?P<secret>(?=\S*\d)[A-Za-z0-9@#$%^&*!?._-]{{4,64}})",
    re.IGNORECASE,
)
# Words that follow a keyword in ordinary sentences and are not secrets ("OTP tidak masuk").
_NOT_SECRETS = {
    "tidak",
    "belum",
    "sudah",
    "salah",
    "expired",
    "kadaluarsa",
    "dikirim",
    "masuk",
    "baru",
    "lagi",
    "reset",
    "lupa",
    "ganti",
    "diganti",
    "berubah",
    "forgot",
    "change",
    "changed",
    "never",
    "not",
}

CARD_MASK_CHAR = "*"
SECRET_MASK = "[disamarkan]"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Words right before a number that say it is not a card: ID card (NIK/KTP), tracking, account, order numbers.
_NOT_CARD_CONTEXT = re.compile(
    r"(?:\bnik|\bktp|\bkk|\bnpwp|\bresi|\bawb|\btracking|\bno\.?\s*rek(?:ening)?|\brekening|\baccount|"
    r"\border|\bpesanan|\binvoice|\binv|\bva|\bvirtual\s+account|\btelepon|\bphone|\bhp|\bwa)\W{0,4}\S{0,12}\W{0,3}$",
    re.IGNORECASE,
)


def _looks_like_card(digits: str, before: str) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return False
    # Card networks' numbers start with 2-6 (Mastercard 2-series, Amex/JCB/Diners 3, Visa 4, Mastercard 5,
    # Discover/UnionPay/GPN 6); Indonesian mobile numbers start with 0, 8 or 62.
    if digits[0] not in "23456":
        return False
    # 62-prefixed numbers up to 14 digits are Indonesian phone numbers (62 8xx...), not cards.
    if digits.startswith("628") and len(digits) <= 14:
        return False
    return not _NOT_CARD_CONTEXT.search(before[-30:])


@dataclass
class Redaction:
    text: str
    cards: int = 0
    secrets: int = 0
    kinds: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.cards or self.secrets)


def redact(text: str) -> Redaction:
    """Mask card numbers and disclosed OTPs/passwords in ``text``."""
    if not text:
        return Redaction(text=text or "")
    result = Redaction(text=text)

    def mask_card(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if not _looks_like_card(digits, text[: match.start()]):
            return raw
        result.cards += 1
        return digits[:6] + CARD_MASK_CHAR * (len(digits) - 10) + digits[-4:]

    masked = _CARD_CANDIDATE.sub(mask_card, text)

    def mask_secret(match: re.Match[str]) -> str:
        secret = match.group("secret")
        if secret.lower() in _NOT_SECRETS:
            return match.group(0)
        # Masked card numbers ("411111******1111") are already safe.
        if CARD_MASK_CHAR in secret:
            return match.group(0)
        result.secrets += 1
        start = match.start("secret") - match.start(0)
        return match.group(0)[:start] + SECRET_MASK

    masked = _SECRET.sub(mask_secret, masked)
    result.text = masked
    if result.cards:
        result.kinds.append("card")
    if result.secrets:
        result.kinds.append("secret")
    return result
