"""Fixtures shared by every channel's tests: the fake provider APIs on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels_intake.tests.fakes import GRAPH_VERSION, FakeProviders


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
    """Run what the code queues after commit (tasks run eagerly in tests), as a worker would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
