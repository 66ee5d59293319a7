"""Helpers for the email channel's tests: fixtures on disk, and mail taken through the real path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from channels_intake.email.intake import store_raw
from channels_intake.models import InboundEvent

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str, **substitutions: str) -> bytes:
    """A fixture's bytes with {{PLACEHOLDERS}} filled in (ids that depend on the database)."""
    raw = (FIXTURES / name).read_bytes()
    for key, value in substitutions.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    return raw


@pytest.fixture(autouse=True)
def email_settings(settings):
    settings.EMAIL_OWN_ADDRESSES = ["cs@tokoku.example", "support@tokoku.example"]
    settings.DEFAULT_FROM_EMAIL = "SupportDesk <support@supportdesk.localhost>"
    settings.SUPPORT_REPLY_TO = ""
    settings.SUPPORT_OPENING_HOURS = ""  # always open unless a test says otherwise
    settings.EMAIL_INTAKE_TOKEN = "test-intake-token-0123456789abcdef"
    return settings


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
