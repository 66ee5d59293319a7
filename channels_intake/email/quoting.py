"""Folding quoted history and signatures away from what the customer wrote this time.

Mail clients mark the history they quote in their own words: Gmail "On … wrote:", its Indonesian
"Pada … menulis:", Outlook's "From: … Sent: …" block (Indonesian "Dari: … Dikirim: …"), "-----Original
Message-----" / "-----Pesan Asli-----", and "> " prefixes. Signatures start at "-- " (or a bare "--"
followed by a short block) or are a mobile client's own last line, "Sent from my iPhone" / "Dikirim dari
iPhone saya". Customer text that merely looks like these (a "Dari: Jakarta" line, "Kiriman dari …")
stays visible: hiding what the customer wrote is worse than showing a signature. The visible part is
what comes before the first of these; the full text is always kept. Forwarded mail is never folded: what was forwarded is the point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# One line (or two, when a client wraps it) that introduces the quoted message.
_ATTRIBUTION = [
    re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail, Yahoo, Thunderbird
    re.compile(r"^\s*Pada\b.{0,200}\bmenulis\s*:\s*$", re.IGNORECASE),  # Gmail / Apple Mail in Indonesian
    # "12/03/2024 10.15, Budi <budi@x> menulis:": needs an address or a time, not "the seller wrote:"
    re.compile(r"^\s*.{0,200}(?:@|\d{1,2}[:.]\d{2}).{0,200}\b(?:menulis|wrote)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le\b.{0,200}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{0,200}\bschrieb\b.{0,100}:\s*$", re.IGNORECASE),
]
_SEPARATORS = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Pesan Asli|Pesan Awal|Reply Message|Balasan)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARDED = re.compile(
    r"^\s*-{2,}\s*(?:Forwarded message|Pesan terusan|Pesan yang diteruskan|Begin forwarded message)",
    re.IGNORECASE,
)
# Outlook's header block: "From:"/"Dari:" followed, line after line, by more header lines, one of them
# the date ("Sent:"/"Dikirim:"/"Date:"/"Tanggal:"). A customer's own "Dari: Jakarta / Kepada: Surabaya"
# has no date line, so it stays visible.
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|Dari|Van|De)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Dikirim|Date|Tanggal|Terkirim|To|Kepada|Subject|Perihal|Subjek|Cc)\s*:", re.IGNORECASE
)
_HEADER_DATE = re.compile(r"^\s*\*?(?:Sent|Dikirim|Date|Tanggal|Terkirim)\s*:", re.IGNORECASE)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
# "-- " is the standard signature separator; a bare "--" or "__" is also how people underline things,
# so after those only a short block without a question is a signature.
_SIGNATURE = re.compile(r"^-- $")
_LOOSE_SIGNATURE = re.compile(r"^(?:--|__)\s*$")
_SIGNATURE_MAX_LINES = {True: 20, False: 8}  # standard separator: True
_QUESTION = re.compile(r"\?(?:\s|$)")
# What mobile clients append on their own, as the last line: nothing else. "Kiriman dari Jakarta belum
# sampai" (kiriman: a shipment) or "Sent via bank transfer" are the customer's words.
_DEVICE = (
    r"(?:iPhone|iPad|iPod|Android|Samsung|Galaxy|Huawei|Xiaomi|Redmi|OPPO|vivo|realme|BlackBerry|Pixel"
    r"|OnePlus|Nokia|Motorola|Sony|Infinix|Mi\b)"
)
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:"
    rf"Sent from my {_DEVICE}[\w .,&/-]{{0,50}}"  # Sent from my iPhone / Samsung Galaxy smartphone.
    rf"|Sent via (?:the )?{_DEVICE}[\w .,&/-]{{0,60}}"  # Sent via the Samsung Galaxy S21 5G, an AT&T …
    r"|Sent from (?:Yahoo Mail|Mail for Windows(?: 10| 11)?|Outlook)(?: (?:on|for) (?:Android|iOS|iPhone|iPad|Windows))?"
    r"|Get Outlook for (?:Android|iOS)"
    rf"|(?:Di)?[Kk]irim dari {_DEVICE}(?: saya)?"
    r"|(?:Di)?[Kk]irim dari (?:ponsel|perangkat|HP|smartphone) [\w ]{0,40}"
    r"|(?:Di)?[Kk]irim dari (?:Yahoo Mail|Outlook)(?: (?:di|untuk) (?:Android|iOS|iPhone))?"
    r")\s*[.!]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Folded:
    visible: str
    full: str

    @property
    def folded(self) -> bool:
        return self.visible != self.full


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Trailing blanks go, except the one in the standard "-- " signature separator.
    return "\n".join(
        "-- " if line.startswith("-- ") and not line.strip("- \t") else line.rstrip()
        for line in text.split("\n")
    ).strip("\n")


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index]
    if any(pattern.match(line) for pattern in _ATTRIBUTION):
        return True
    # Gmail wraps long attribution lines: "On Tue, 12 Mar 2024 at 10:15, Budi Santoso <\nbudi@x> wrote:"
    if index + 1 < len(lines) and re.match(r"^\s*(?:On|Pada)\b", line, re.IGNORECASE):
        joined = f"{line} {lines[index + 1]}"
        return any(pattern.match(joined) for pattern in _ATTRIBUTION[:2])
    return False


def _is_header_block(lines: list[str], index: int) -> bool:
    """A quoted/forwarded header block: "Dari:" and, in the lines right after it, a date header."""
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = []
    for line in lines[index + 1 : index + 6]:
        if not _HEADER_NEXT.match(line):
            break
        following.append(line)
    return bool(following) and any(_HEADER_DATE.match(line) for line in following)


def _signature_start(body: list[str]) -> int | None:
    """Where the signature starts: the last separator line followed by a short block without a question."""
    for index in range(len(body) - 1, -1, -1):
        standard = bool(_SIGNATURE.match(body[index]))
        if not standard and not _LOOSE_SIGNATURE.match(body[index]):
            continue
        block = [line for line in body[index + 1 :] if line.strip()]
        if len(block) <= _SIGNATURE_MAX_LINES[standard] and not any(_QUESTION.search(line) for line in block):
            return index
        return None
    return None


def _quoted_tail_start(lines: list[str]) -> int | None:
    """Where a trailing block of "> " lines (with blank lines between) starts."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            start = index
            continue
        break
    return start


def fold(text: str) -> Folded:
    """Split ``text`` into what is new and the whole. Never raises; never returns an empty visible part
    for a non-empty text."""
    full = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = _normalise(full).split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if _FORWARDED.match(line):
            break  # everything from here was forwarded on purpose
        if (
            _SEPARATORS.match(line)
            or _is_attribution(lines, index)
            or _is_header_block(lines, index)
            or (
                _UNDERSCORE_RULE.match(line) and index + 1 < len(lines) and _is_header_block(lines, index + 1)
            )
        ):
            cut = index
            break
    quoted_tail = _quoted_tail_start(lines[:cut])
    if quoted_tail is not None:
        cut = quoted_tail
    body = lines[:cut]
    # Signatures: a mobile client's line at the very end, then the last separator's short block.
    while body and (not body[-1].strip() or _MOBILE_SIGNATURE.match(body[-1])):
        body = body[:-1]
    signature = _signature_start(body)
    if signature is not None:
        body = body[:signature]
    visible = "\n".join(body).strip()
    if not visible:
        visible = full.strip()
    return Folded(visible=visible, full=full.rstrip())
