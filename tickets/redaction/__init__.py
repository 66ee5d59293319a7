"""The one redaction step every text passes through before it is stored.

Card numbers: only the first 6 and last 4 digits may be kept (what a card-fraud report needs).
OTPs and passwords: support never asks for them, so a message carrying one is masked and flagged as a
fraud signal. Phone numbers, order numbers and amounts must survive untouched.

``redact(text)`` works on plain text, ``redact(html, html=True)`` on sanitised HTML (entities such as
``&nbsp;`` and inline tags between digit groups), ``redact_data`` on JSON-like values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from tickets.redaction.cards import CARD_MASK_CHAR, luhn_valid, mask_cards
from tickets.redaction.secrets import SECRET_MASK, mask_secrets

__all__ = [
    "CARD_MASK_CHAR",
    "SECRET_MASK",
    "Redaction",
    "luhn_valid",
    "masked_kinds",
    "redact",
    "redact_data",
]


@dataclass
class Redaction:
    text: str
    cards: int = 0
    secrets: int = 0
    kinds: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.cards or self.secrets)


def masked_kinds(redactions: Iterable[Redaction | None]) -> list[str]:
    """What was masked across several redactions, for the ticket's SECURITY event."""
    kinds: set[str] = set()
    for item in redactions:
        if item is not None:
            kinds.update(item.kinds)
    return sorted(kinds)


def redact(text: str, *, html: bool = False) -> Redaction:
    """Mask card numbers and disclosed OTPs/passwords in ``text`` (sanitised HTML with ``html=True``)."""
    if not text:
        return Redaction(text=text or "")
    result = Redaction(text=text)
    masked, result.cards = mask_cards(text, html=html)
    result.text, result.secrets = mask_secrets(masked, html=html)
    if result.cards:
        result.kinds.append("card")
    if result.secrets:
        result.kinds.append("secret")
    return result


def redact_data(
    value: object, *, keep: Callable[[str], bool] = lambda key: False
) -> tuple[object, list[str]]:
    """``value`` (JSON-like: dicts, lists, strings) with every string redacted, and what was masked.

    Strings (and lists of strings) under a key for which ``keep(key)`` is true stay as they are:
    provider identifiers (sender ids, media ids, URLs) that later work needs verbatim and that
    customers do not write. Nested objects under such a key are still redacted.
    """
    kinds: set[str] = set()

    def walk(item: object) -> object:
        if isinstance(item, str):
            redaction = redact(item)
            kinds.update(redaction.kinds)
            return redaction.text
        if isinstance(item, Mapping):
            return {
                key: value if keep(str(key)) and not isinstance(value, Mapping) else walk(value)
                for key, value in item.items()
            }
        if isinstance(item, list | tuple):
            return [walk(element) for element in item]
        return item

    return walk(value), sorted(kinds)
