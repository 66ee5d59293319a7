"""Turning the bytes of real-world mail into text: charsets that are unknown, misspelt or lying.

The rule: try the declared charset (through an alias table), then UTF-8, then Windows-1252, then
Latin-1 with replacement characters. Latin-family declarations are tried after UTF-8, because mail
that says ISO-8859-1 but carries UTF-8 is far more common than Latin-1 text that happens to be valid
UTF-8. Nothing here raises on any input.
"""

from __future__ import annotations

import codecs
import re

# Names seen in the wild that Python does not know, or knows as something narrower than what senders
# actually mean (Outlook's "ks_c_5601-1987" is really CP949; "gb2312" mail is GBK/GB18030 in practice).
ALIASES = {
    "utf8": "utf-8",
    "utf-8lite": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-sjis": "shift_jis",
    "shift-jis": "shift_jis",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "ansi_x3.4-1968": "ascii",
    "us-ascii": "ascii",
    "iso-2022-jp-2": "iso2022_jp_2",
    "cp-850": "cp850",
    "x-user-defined": "",
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "default": "",
    "charset": "",
}
# Declarations that are often wrong about UTF-8 bodies: try UTF-8 before them.
LATIN_FAMILY = {"ascii", "latin-1", "iso8859-1", "iso8859-15", "cp1252", "windows-1252"}

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def codec_name(declared: str | None) -> str:
    """Python's codec name for a declared charset, '' when unknown."""
    if not declared:
        return ""
    name = declared.strip().strip("\"'").lower()
    name = ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return ""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(text, codec used). Never raises."""
    if not data:
        return "", codec_name(declared) or "utf-8"
    codec = codec_name(declared)
    order: list[str] = []
    if codec and codec not in LATIN_FAMILY:
        order.append(codec)
    order += ["utf-8"]
    if codec in LATIN_FAMILY and codec != "ascii":
        order.append(codec)
    order += ["cp1252"]
    for name in order:
        try:
            return clean_text(data.decode(name)), name
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
    return clean_text(data.decode("latin-1", errors="replace")), "latin-1"


def clean_text(text: str) -> str:
    """Text that every database accepts: no lone surrogates, no NUL or other control characters."""
    text = _SURROGATES.sub("\ufffd", text)
    return _CONTROL.sub("", text)


def unescape_surrogates(value: str) -> bytes:
    """The original bytes of a string the email package decoded with surrogateescape (8-bit headers)."""
    try:
        return value.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", errors="replace")


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")


def _decode_word(charset: str, encoding: str, payload: str) -> bytes:
    import base64
    import binascii
    import quopri

    if encoding.lower() == "b":
        padded = payload + "=" * (-len(payload) % 4)
        try:
            return base64.b64decode(padded, validate=False)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", errors="replace")
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", errors="replace"), header=True)


def decode_header(raw: str | bytes | None) -> str:
    """A header value as text: RFC 2047 words decoded, raw 8-bit bytes guessed, folding removed."""
    if raw is None:
        return ""
    data = raw if isinstance(raw, bytes) else unescape_surrogates(str(raw))
    text, _codec = decode_bytes(data)
    text = re.sub(r"\r?\n[ \t]+", " ", text).replace("\r", "").replace("\n", " ")
    # Whitespace between adjacent encoded words is not part of the text (RFC 2047 section 6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    pieces: list[str] = []
    position = 0
    pending: list[tuple[str, bytes]] = []

    def flush() -> None:
        # Adjacent words in one charset are decoded together: senders split multibyte characters.
        while pending:
            charset = pending[0][0]
            chunk = b""
            while pending and pending[0][0] == charset:
                chunk += pending.pop(0)[1]
            pieces.append(decode_bytes(chunk, charset.split("*", 1)[0])[0])

    for match in _ENCODED_WORD.finditer(text):
        if match.start() > position:
            flush()
            pieces.append(text[position : match.start()])
        pending.append((match[1], _decode_word(match[1], match[2], match[3])))
        position = match.end()
    flush()
    pieces.append(text[position:])
    return clean_text("".join(pieces)).strip()
