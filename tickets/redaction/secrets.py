"""OTPs and passwords: support never asks for them, so a disclosure is masked ("kode OTP saya 482913",
"123456 adalah kode OTP saya", "password: rahasia"); talk about them ("OTP tidak masuk") and other codes
(kode pos, kode promo, kode booking) are not."""

from __future__ import annotations

import re

from tickets.redaction.cards import CARD_MASK_CHAR, space

SECRET_MASK = "[disamarkan]"

_SECRET_KEYWORDS = (
    r"otp|one[- ]time[- ]password|passcode|"
    r"kode\s+(?:otp|verifikasi|keamanan|rahasia|sms|akses|aktivasi|login)|"
    r"verification\s+code|security\s+code|m-?pin|pin|password|passwd|kata\s+sandi|sandi"
)
# Words that say the code is an OTP when a bare "kode" (kode pos, kode promo, kode booking...) is near.
_OTP_NEARBY = re.compile(
    r"\b(?:otp|one[- ]time|verifikasi|verification|password|passcode|sandi|pin|aktivasi|keamanan|security)\b",
    re.IGNORECASE,
)
# Every pattern below needs one of these; a quick look first spares most messages the full search.
_ANY_KEYWORD = re.compile(
    r"otp|one[- ]time|passcode|verif|security|pin|passw|sandi|kode|cv[vc]|csc", re.IGNORECASE
)
_STRONG_FILLERS = {"is", "was", "adalah", "yaitu", "yakni", "ialah", ":", "="}
_FILLER_WORDS = r"saya|aku|anda|kamu|my|your|the|is|was|adalah|yaitu|yakni|ialah|nya|itu|ini"
# Codes with digits: "482913", "Rahasia123", "12 34 56" (spaced digits, 4 to 8 in all).
_DIGIT_SECRET = r"\d{1,4}(?:[ \u00a0.\-]\d{1,4}){1,7}(?![\w])|(?=[^\s<&]*\d)[A-Za-z0-9@#$%^&*!?._\-]{4,64}"
_ALPHA_SECRET = r"[A-Za-z][A-Za-z@#$%^&*!?._\-]{3,63}"
# Words that follow a keyword in ordinary sentences and are not secrets ("OTP tidak masuk").
_NOT_SECRETS = frozenset(
    """
    tidak tak gak nggak ngga enggak belum sudah udah salah benar betul expired kadaluarsa kedaluwarsa
    dikirim masuk baru lagi reset lupa ganti berubah hilang kena apa mana berapa bagaimana gimana kenapa
    mengapa sekarang tadi kemarin terus selalu juga masih dong kak min sih hanya cuma sama lama kosong
    error eror gagal valid aman bocor hack kehack lemah kuat panjang pendek untuk dari yang dan atau tapi
    karena pernah sendiri tersebut bisa harus perlu mau akan ada apakah
    forgot change changed never not wrong invalid incorrect required missing blocked locked still also
    sent delayed late gone different same too very weak strong correct arriving working coming please
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Indonesian passive/state forms (dicuri, diblokir, terkunci, berubah, kehapus) are words, not passwords.
_AFFIXED_WORD = re.compile(r"^(?:di|ter|ber|ke)[a-z]{3,}$", re.IGNORECASE)
_ADDRESS = re.compile(r"@|[A-Za-z]\.[A-Za-z]{2,}")
_CLAUSE_END = re.compile(r"\s*(?:[.,!?;)\n]|$)")


def _secret_patterns(
    html: bool,
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    sp = space(html)
    filler = rf"(?P<filler>(?:{sp}*\b(?:{_FILLER_WORDS})\b|{sp}*[=:\-])*{sp}*)"
    keyword_first = re.compile(
        rf"(?<![\w-])(?:{_SECRET_KEYWORDS})(?:-?nya|ku)?\b{filler}(?P<secret>{_DIGIT_SECRET}|{_ALPHA_SECRET})",
        re.IGNORECASE,
    )
    # "123456 adalah kode OTP saya", "482913 is my verification code"
    secret_first = re.compile(
        rf"(?<![\w*])(?P<secret>\d{{4,8}}|\d{{1,4}}(?:[ .\-]\d{{1,4}}){{1,7}})(?![\w*])"
        rf"(?={sp}+(?:adalah|itu|ini|yaitu|ialah|is|=)\b{sp}*(?:(?:my|the|your)\b{sp}*)?(?:kode{sp}+)?"
        rf"(?:otp|verifikasi|verification\s+code|one[- ]time\s+password|pin|kode\s+keamanan|security\s+code)\b)",
        re.IGNORECASE,
    )
    bare_code = re.compile(
        rf"(?<![\w-])kode(?:-?nya|ku)?\b{filler}(?P<secret>{_DIGIT_SECRET})", re.IGNORECASE
    )
    # A card's security code is never to be stored (PCI DSS), whatever the number around it.
    card_code = re.compile(
        rf"(?<![\w-])(?:cvv2?|cvc2?|csc)\b{filler}(?P<secret>\d{{3,4}})(?![\w])", re.IGNORECASE
    )
    return keyword_first, secret_first, bare_code, card_code


_SECRETS = {False: _secret_patterns(False), True: _secret_patterns(True)}


def _is_secret(secret: str, match: re.Match[str], text: str) -> bool:
    if secret.lower() in _NOT_SECRETS or CARD_MASK_CHAR in secret or secret == SECRET_MASK:
        return False
    if _ADDRESS.search(secret):  # "otp-1@mail.example", "pin.example.com": addresses, not secrets
        return False
    if any(char.isdigit() for char in secret):
        return sum(char.isdigit() for char in secret) >= 4 or not secret.replace(" ", "").isdigit()
    # A word without digits is a password only when said so ("password: rahasia", "my otp is abcdef")
    # or when it ends the sentence after "saya"/"my" ("password saya rahasia").
    if _AFFIXED_WORD.match(secret):
        return False
    filler = match.groupdict().get("filler") or ""
    words = set(re.findall(r"[=:]|\w+", filler.lower()))
    if words & _STRONG_FILLERS:
        return True
    return bool(words & {"saya", "aku", "my"}) and bool(_CLAUSE_END.match(text, match.end("secret")))


def mask_secrets(text: str, *, html: bool) -> tuple[str, int]:
    """``text`` with disclosed OTPs and passwords masked, and how many."""
    if not _ANY_KEYWORD.search(text):  # most messages: skip the three patterns
        return text, 0
    count = 0
    keyword_first, secret_first, bare_code, card_code = _SECRETS[html]

    def mask(match: re.Match[str], *, nearby: bool = False, card: bool = False) -> str:
        nonlocal count
        secret = match.group("secret")
        trimmed = secret.rstrip(".,")  # a full stop ends the sentence; "!" may be part of a password
        if not trimmed or not (card or _is_secret(trimmed, match, match.string)):
            return match.group(0)
        if nearby:
            around = match.string[max(0, match.start() - 80) : match.end() + 80]
            if not _OTP_NEARBY.search(around):
                return match.group(0)
        count += 1
        start, end = match.start("secret") - match.start(0), match.end("secret") - match.start(0)
        whole = match.group(0)
        return whole[:start] + SECRET_MASK + secret[len(trimmed) :] + whole[end:]

    text = keyword_first.sub(mask, text)
    text = secret_first.sub(mask, text)
    text = bare_code.sub(lambda match: mask(match, nearby=True), text)
    text = card_code.sub(lambda match: mask(match, card=True), text)
    return text, count
