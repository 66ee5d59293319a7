"""Tiny typed parsers for settings taken from the environment.

Each parser refuses a value it does not understand instead of guessing, so a typo in
production (``DEBUG=ture``) stops the process with a sentence that names the variable.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping


class ImproperSetting(ValueError):
    """A setting's value in the environment cannot be used."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get(name, default).strip()


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    if name not in environ:
        return default
    raw = environ[name].strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperSetting(
        f"{name}={environ[name]!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(
    name: str,
    default: int,
    environ: Mapping[str, str] | None = None,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperSetting(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperSetting(f"{name}={value} is below the minimum of {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperSetting(f"{name}={value} is above the maximum of {maximum}.")
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    raw = environ.get(name)
    if raw is None:
        return list(default)
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_choice(name: str, default: str, choices: list[str], environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip() or default
    if raw not in choices:
        raise ImproperSetting(f"{name}={raw!r} is not one of: {', '.join(choices)}.")
    return raw


def env_url(name: str, default: str, schemes: list[str], environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip() or default
    if raw and raw.split(":", 1)[0] not in schemes:
        raise ImproperSetting(
            f"{name}={raw!r} must start with one of: {', '.join(s + '://' for s in schemes)}."
        )
    return raw


def env_timezone(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """An IANA time zone name (Asia/Jakarta, Asia/Makassar, UTC), checked against the zone database."""
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip() or default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperSetting(
            f"{name}={raw!r} is not a time zone name: use an IANA name such as Asia/Jakarta (WIB), "
            "Asia/Makassar (WITA), Asia/Jayapura (WIT) or UTC."
        ) from None
    return raw


# django-ratelimit's syntax, strictly: its own parser reads '10/hour' as 10/h and fails on '10 per hour'
# only when the first request arrives.
_RATE = re.compile(r"[1-9]\d*/(?:[1-9]\d*)?[smhd]")


def env_rate(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """A django-ratelimit rate: COUNT/PERIOD, e.g. 10/h, 100/5m, 500/d."""
    environ = os.environ if environ is None else environ
    raw = environ.get(name, "").strip() or default
    if not _RATE.fullmatch(raw):
        raise ImproperSetting(
            f"{name}={raw!r} is not a rate: write COUNT/PERIOD with PERIOD one of s, m, h, d, "
            "optionally with a number of them (10/h, 100/5m, 500/d)."
        )
    return raw
