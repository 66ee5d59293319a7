"""Folding quoted history and signatures away from what the customer wrote this time.

Mail clients mark the history they quote in their own words: Gmail "On … wrote:", its Indonesian
"Pada … menulis:", Outlook's "From: … Sent: …" block (Indonesian "Dari: … Dikirim: …"), "-----Original
Message-----" / "-----Pesan Asli-----", and "> " prefixes. Signatures start at "-- " or are a mobile
client's "Sent from my iPhone" / "Dikirim dari …". The visible part is what comes before the first of
these; the full text is always kept. Forwarded mail is never folded: what was forwarded is the point.
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
# Outlook's header block: "From:"/"Dari:" then, within a few lines, "Sent:"/"Dikirim:"/"Date:"/"Tanggal:".
_HEADER_FROM = re.compile(r"^\s*\*?(?:From|Dari|Van|De)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:Sent|Dikirim|Date|Tanggal|Terkirim|To|Kepada|Subject|Perihal|Subjek|Cc)\s*:", re.IGNORECASE
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE = re.compile(r"^(?:-- ?|--|__)\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:Sent from my \w+|Sent from (?:Yahoo Mail|Mail for Windows|Outlook)\b.*|Get Outlook for \w+.*"
    r"|Dikirim dari (?:iPhone|iPad|ponsel|Yahoo Mail|Outlook|Samsung|perangkat)\b.*"
    r"|Kirim(?:an)? dari \w+.*|Sent via \w+.*)\s*$",
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
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


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
    if not _HEADER_FROM.match(lines[index]):
        return False
    following = [line for line in lines[index + 1 : index + 6] if line.strip()]
    return sum(1 for line in following[:4] if _HEADER_NEXT.match(line)) >= 2


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
    # Signatures: the last "-- " line, or trailing mobile-client lines.
    for index in range(len(body) - 1, -1, -1):
        if _SIGNATURE.match(body[index]):
            body = body[:index]
            break
    while body and (not body[-1].strip() or _MOBILE_SIGNATURE.match(body[-1])):
        body = body[:-1]
    visible = "\n".join(body).strip()
    if not visible:
        visible = full.strip()
    return Folded(visible=visible, full=full.rstrip())
