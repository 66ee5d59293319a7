"""Helpers for the email channel's tests: fixtures on disk, and mail taken through the real path."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from channels_intake.email.intake import store_raw
from channels_intake.models import InboundEvent
from sla.models import BusinessCalendar

FIXTURES = Path(__file__).parent / "fixtures"
ALWAYS_OPEN = "24/7"
WEEKDAY_WEEKEND = "Mon–Fri 08.00–21.00, Sat–Sun and national holidays 09.00–17.00 WIB"


def load(name: str, **substitutions: str) -> bytes:
    """A fixture's bytes with {{PLACEHOLDERS}} filled in (ids that depend on the database).

    ``*.eml.gz`` fixtures (the 20 MB message) are stored compressed so git holds them; they are read
    back uncompressed, as the mail arrived."""
    raw = (FIXTURES / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    for key, value in substitutions.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


@pytest.fixture(autouse=True)
def email_settings(settings):
    settings.EMAIL_OWN_ADDRESSES = ["cs@tokoku.example", "support@tokoku.example"]
    settings.DEFAULT_FROM_EMAIL = "SupportDesk <support@supportdesk.localhost>"
    settings.SUPPORT_REPLY_TO = ""
    settings.EMAIL_INTAKE_TOKEN = "test-intake-token-0123456789abcdef"
    return settings


def make_default_calendar(name: str) -> BusinessCalendar:
    """Make the seeded calendar ``name`` the default one (the one tickets without a team calendar use)."""
    BusinessCalendar.objects.exclude(name=name).filter(is_default=True).update(is_default=False)
    BusinessCalendar.objects.filter(name=name).update(is_default=True)
    return BusinessCalendar.objects.get(name=name)


@pytest.fixture(autouse=True)
def always_open_unless_a_test_says_otherwise(request):
    """Tests with a database start on the seeded 24/7 calendar, so no automatic mail depends on the
    real clock; out-of-hours tests pick another calendar and travel in time."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if uses_db:
        request.getfixturevalue("db")
        if BusinessCalendar.objects.filter(name=ALWAYS_OPEN).exists():
            make_default_calendar(ALWAYS_OPEN)


@pytest.fixture
def weekday_weekend_calendar(db) -> BusinessCalendar:
    """The seeded Mon–Fri 08.00–21.00 / weekends and national holidays 09.00–17.00 WIB calendar, as default."""
    return make_default_calendar(WEEKDAY_WEEKEND)


@pytest.fixture
def ingest(db, django_capture_on_commit_callbacks) -> Callable[..., InboundEvent]:
    """Store raw mail as the intake paths do and run the queued processing task (eager Celery)."""

    def run(raw: bytes | str, *, source: str = "raw", **substitutions: str) -> InboundEvent:
        data = load(raw, **substitutions) if isinstance(raw, str) else raw
        with django_capture_on_commit_callbacks(execute=True):
            event = store_raw(data, source=source)
        event.refresh_from_db()
        return event

    return run
