"""Fixtures shared by every channel's tests: the fake provider APIs on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from celery.exceptions import Retry

from channels_intake.accounts import forget_cached_accounts
from channels_intake.tests.fakes import GRAPH_VERSION, FakeProviders

MAX_RETRIES_IN_TESTS = 10
# The payload fixtures were sent on 2024-11-22 around 08:00 UTC (their "timestamp" fields).
FIXTURES_SENT_AT = dt.datetime(2024, 11, 22, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_accounts():
    """Accounts of a rolled-back test must not answer the next test's webhooks (the cache of remembered
    lookups starts empty anyway: conftest.py's fresh_cache)."""
    forget_cached_accounts()


@pytest.fixture
def fixtures_just_sent(time_machine):
    """The clock a few minutes after the fixtures were sent, ticking: Meta's windows count from the
    customer's send time, so a test that answers a fixture message must run inside its window."""
    time_machine.move_to(FIXTURES_SENT_AT + dt.timedelta(minutes=5), tick=True)


@pytest.fixture
def fake_api(settings) -> Iterator[FakeProviders]:
    fake = FakeProviders().start()
    settings.META_GRAPH_URL = f"{fake.url}/{GRAPH_VERSION}"
    settings.X_API_URL = fake.url
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Call ``function``, then run what it queued after commit as a worker would, retries included.

    Tasks run eagerly in tests, and an eager ``self.retry()`` raises Retry instead of running again;
    here a retried task is simply queued again at once (backoff waits are skipped), as many times as
    it asks, and work queued by the tasks themselves runs too.
    """

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            result = function(*args, **kwargs)
        done = 0
        while done < len(queued):
            callback = queued[done]
            done += 1
            with django_capture_on_commit_callbacks(execute=False) as more:
                for _attempt in range(MAX_RETRIES_IN_TESTS):
                    try:
                        callback()
                        break
                    except Retry:
                        continue
            queued.extend(more)
        return result

    return run
