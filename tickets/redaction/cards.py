"""Card numbers: runs of digit groups searched for Luhn-valid 13-19 digit windows, masked to first 6 +
last 4. Phone numbers, order numbers, IDs and amounts in the same runs are left alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

CARD_MASK_CHAR = "*"
CARD_FIRST_DIGITS = "23456"

# --- Building blocks -------------------------------------------------------------------------------

# Spaces people (and word processors) put between digit groups: space, no-break, thin, narrow no-break,
# figure spaces; zero-width characters hide anywhere.
_SPACE = r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
_ZERO_WIDTH = r"[\u200b-\u200d\u2060\ufeff]"
_ENTITY_SPACE = r"&(?:nbsp|thinsp|ensp|emsp|#160|#x0*a0|#8201|#8239);"
# Inline tags only: block tags (td, p, li, br, div) separate numbers that are not one card.
_INLINE_TAG = r"</?(?:a|abbr|b|bdi|bdo|code|em|font|i|mark|s|small|span|strong|sub|sup|u)\b[^<>]{0,300}>"


def _separator(html: bool) -> str:
    space = f"(?:{_SPACE}|{_ENTITY_SPACE}|{_INLINE_TAG})" if html else _SPACE
    zw = f"{_ZERO_WIDTH}*"
    return rf"(?:{zw}(?:{space}{{1,3}}|{space}?[-.]{space}?){zw}|{_ZERO_WIDTH}+)"


def space(html: bool) -> str:
    """Whitespace between words (a keyword and its secret); in HTML also &nbsp; and inline tags."""
    return rf"(?:\s|{_ENTITY_SPACE}|{_INLINE_TAG})" if html else r"\s"


# A run of digit groups. What it is glued to decides where a card may start or end: never in a group
# glued to letters or to the separators order numbers and phone numbers use ("INV/2024/...", "ORD-...",
# "JNE0012...", "+62 ..."); an underscore is a boundary ("kartu_4111....png").
def _run_pattern(html: bool) -> re.Pattern[str]:
    return re.compile(rf"(?<!\d)\d+(?:{_separator(html)}\d+)*")


_GLUED_BEFORE = re.compile(r"[^\W_]|[/+.\-]")
_GLUED_AFTER = re.compile(r"[^\W_]|/")


def _token_pattern(html: bool) -> re.Pattern[str]:
    return re.compile(rf"(?P<sep>{_separator(html)})|(?P<digits>\d+)")


_RUN = {False: _run_pattern(False), True: _run_pattern(True)}
_TOKEN = {False: _token_pattern(False), True: _token_pattern(True)}
_TAG = re.compile(r"<[^<>]*>")
# Indonesian mobile numbers (08..., 628...) at the start of a run: never part of a card window.
_PHONE = re.compile(r"(?:62|0)[ \u00a0.\-]?8(?:[ \u00a0.\-]?\d){7,11}(?!\d)")
_LOCAL_PHONE = re.compile(r"8(?:[ \u00a0.\-]?\d){7,11}(?!\d)")
_COUNTRY_CODE_BEFORE = re.compile(r"\(?\+?62\)?[ \u00a0.\-]?$")

# Words right before a number that say it is not a card: ID card (NIK/KTP), tracking, account, order
# numbers, prepaid electricity tokens.
_NOT_CARD_CONTEXT = re.compile(
    r"(?:\bnik|\bktp|\bkk|\bnpwp|\bresi|\bawb|\btracking|\bno\.?\s*rek(?:ening)?|\brekening|\baccount|"
    r"\border|\bpesanan|\binvoice|\binv|\bva|\bvirtual\s+account|\btelepon|\bphone|\bhp|\bwa|\btoken)"
    r"\W{0,4}\S{0,12}\W{0,3}$",
    re.IGNORECASE,
)


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


def _looks_like_card(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return False
    # Card networks' numbers start with 2-6 (Mastercard 2-series, Amex/JCB/Diners 3, Visa 4, Mastercard 5,
    # Discover/UnionPay/GPN 6); Indonesian mobile numbers start with 0, 8 or 62.
    if digits[0] not in CARD_FIRST_DIGITS:
        return False
    # 62-prefixed numbers up to 14 digits are Indonesian phone numbers (62 8xx...), not cards.
    return not (digits.startswith("628") and len(digits) <= 14)


# --- Cards -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    start: int  # offsets in the run
    end: int
    digits: str
    dotted: bool  # a dot separates it from the group before


def _groups(run: str, html: bool) -> list[_Group]:
    groups: list[_Group] = []
    dotted = False
    for token in _TOKEN[html].finditer(run):
        if token.group("sep") is not None:
            dotted = "." in _TAG.sub("", token.group("sep"))
        else:
            groups.append(_Group(token.start(), token.end(), token.group("digits"), dotted))
            dotted = False
    return groups


@dataclass(frozen=True)
class _Limits:
    """Groups of a run no card window may contain (phone numbers), start at (glued to a prefix, after
    "NIK") or end at (glued to a suffix)."""

    blocked: frozenset[int]
    no_start: frozenset[int]
    no_end: frozenset[int]


def _longest_from(groups: list[_Group], i: int, end: int, limits: _Limits) -> tuple[int, int] | None:
    """The longest card window starting at group ``i`` and ending before group ``end``."""
    if i in limits.no_start or i in limits.blocked or groups[i].digits[0] not in CARD_FIRST_DIGITS:
        return None
    best: tuple[int, int] | None = None
    digits = ""
    thousands = True  # so far every later group is ".ddd": thousands separators (Rp 12.345.678.901.234)
    for j in range(i, end):
        digits += groups[j].digits
        if len(digits) > 19 or j in limits.blocked:
            break
        if j > i:
            thousands = thousands and groups[j].dotted and len(groups[j].digits) == 3
        card_shaped = len(digits) >= 13 and j not in limits.no_end and not (j > i and thousands)
        if card_shaped and _looks_like_card(digits):
            best = (i, j)
    return best


def _length(groups: list[_Group], window: tuple[int, int]) -> int:
    return sum(len(group.digits) for group in groups[window[0] : window[1] + 1])


def _windows(groups: list[_Group], lo: int, hi: int, limits: _Limits) -> list[tuple[int, int]]:
    """Card windows in groups[lo:hi], left to right; where windows overlap, the longest wins (so a card
    followed by its CVV is masked whole, and a date before a card does not take the card's digits).
    Linear in the number of groups: a pasted list of a thousand cards is fine."""
    found: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        first = _longest_from(groups, i, hi, limits)
        if first is None:
            i += 1
            continue
        best = first
        for k in range(i + 1, first[1] + 1):
            other = _longest_from(groups, k, hi, limits)
            if other is not None and _length(groups, other) > _length(groups, best):
                best = other
        if best[0] - i > 1:  # a shorter card may fit entirely before the longer one
            found += _windows(groups, i, best[0], limits)
        found.append(best)
        i = best[1] + 1
    return found


def _phones(run: str, groups: list[_Group], *, after_country_code: bool) -> set[int]:
    """Groups of the Indonesian phone numbers the run starts with (one or more, one after another).

    ``after_country_code``: the run follows "(+62) ", so it starts with the 8 of the operator. A
    62-number in four-digit groups that starts a longer card window is a card (UnionPay 6282-6288).
    """
    ends = {group.end: index for index, group in enumerate(groups)}
    index = 0
    while index < len(groups):
        pattern = _LOCAL_PHONE if index == 0 and after_country_code else _PHONE
        match = pattern.match(run, groups[index].start)
        if match is None or match.end() not in ends:  # a phone number never ends inside a group
            break
        last = ends[match.end()]
        in_fours = all(len(group.digits) == 4 for group in groups[index : last + 1])
        if (
            match.group(0).startswith("62")
            and in_fours
            and _longest_from(groups, index, len(groups), _NO_LIMITS)
        ):
            break
        index = ends[match.end()] + 1
    return set(range(index))


_NO_LIMITS = _Limits(frozenset(), frozenset(), frozenset())


def _limits(text: str, match: re.Match[str], groups: list[_Group]) -> _Limits:
    start, end = match.start(), match.end()
    no_start: set[int] = set()
    no_end: set[int] = set()
    if start and _GLUED_BEFORE.match(text, start - 1):
        no_start.add(0)
        no_end.add(0)
    if end < len(text) and _GLUED_AFTER.match(text, end):
        no_start.add(len(groups) - 1)
        no_end.add(len(groups) - 1)
    after_code = bool(_COUNTRY_CODE_BEFORE.search(text[max(0, start - 8) : start]))
    phones = _phones(match.group(0), groups, after_country_code=after_code)
    # Numbers after words like "NIK", "resi", "token" are not cards, also further into the run.
    for index, group in enumerate(groups):
        if group.digits[0] in CARD_FIRST_DIGITS and _NOT_CARD_CONTEXT.search(
            text[max(0, start + group.start - 40) : start + group.start]
        ):
            no_start.add(index)
    return _Limits(frozenset(phones), frozenset(no_start), frozenset(no_end))


def mask_cards(text: str, *, html: bool) -> tuple[str, int]:
    """``text`` with card numbers masked to first 6 + last 4, and how many."""
    count = 0

    def mask_run(match: re.Match[str]) -> str:
        nonlocal count
        run = match.group(0)
        if len(run) < 13:  # most runs: dates, amounts, order numbers
            return run
        groups = _groups(run, html)
        if sum(len(group.digits) for group in groups) < 13:
            return run
        pieces: list[str] = []
        position = 0
        for i, j in _windows(groups, 0, len(groups), _limits(text, match, groups)):
            start, end = groups[i].start, groups[j].end
            digits = "".join(group.digits for group in groups[i : j + 1])
            count += 1
            tags = "".join(_TAG.findall(run[start:end])) if html else ""
            masked = digits[:6] + CARD_MASK_CHAR * (len(digits) - 10) + digits[-4:]
            pieces += [run[position:start], masked, tags]
            position = end
        return "".join(pieces) + run[position:]

    masked = _RUN[html].sub(mask_run, text)
    return masked, count
