"""Reading provider JSON defensively: an adapter never raises on what a provider (or an attacker with a
leaked app secret) sends, it says what was wrong so the event is quarantined at once with that reason.

``Malformed`` is raised by the readers below and caught by each adapter's ``parse``, which returns
``Parsed(unparseable="<where>: <what>")``. A missing value reads as empty (providers leave fields out);
a value of the wrong kind (a list where an object belongs, an object where text belongs) is malformed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Malformed(Exception):
    """The payload does not have the shape the provider documents."""


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def obj(value: object, where: str) -> Mapping[str, Any]:
    """An object (empty when missing)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Malformed(f"{where} is {_kind(value)}, expected an object")
    return value


def objects(value: object, where: str) -> list[Mapping[str, Any]]:
    """A list of objects (empty when missing)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{where} is {_kind(value)}, expected a list")
    return [obj(item, f"{where}[{index}]") for index, item in enumerate(value)]


def text(value: object, where: str) -> str:
    """Text; numbers are read as their digits (ids and timestamps come either way). '' when missing."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Malformed(f"{where} is {_kind(value)}, expected text")
    return str(value)


def texts(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{where} is {_kind(value)}, expected a list")
    return [text(item, f"{where}[{index}]") for index, item in enumerate(value)]
