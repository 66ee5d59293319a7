"""Standing personas and helpers shared by every test (tests/ and each app's tests/)."""

from __future__ import annotations

import os

import pytest

from tests.factories import Personas, make_personas


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the migrated data (categories, SLA presets, groups) itself.

    A transactional test ends by emptying the database. Mixing tests that restore the seeded rows
    (serialized_rollback) with tests that do not makes the next restoring test collide with the content
    types that the non-restoring flush recreated, so all of them restore.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
            {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        )
        if transactional:
            kwargs = dict(marker.kwargs) if marker else {}
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)  # closest wins


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest -n each worker has a cache namespace of its own on Redis (both share one database)."""
    from django.conf import settings

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and settings.configured:
        for cache in settings.CACHES.values():
            cache["KEY_PREFIX"] = f"{cache.get('KEY_PREFIX', '')}test-{worker}"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache (rate-limit counters, remembered lookups).

    On Redis only this worker's cache keys go, not the whole database (cache.clear() is FLUSHDB): that
    also emptied the broker queue of a test running beside it under pytest -n, whose worker then never
    got its task, and the rate-limit counters of another."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code run outside a request (actions, tasks) speaks English in tests, so assertions can read the
    English source texts. Requests still choose their language as in production (Indonesian by default),
    and mail to customers follows the contact's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client():
    """pytest-django's client, asking for English like the rest of the suite (see above)."""
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium():
    """Headless Debian Chromium driven by Playwright; browser tests skip when it is not installed.

    Per test, not per session: while Playwright's event loop runs, Django hands out other connection
    objects, which lack the test database's saved seed data, and later transactional tests then fail to
    restore it.
    """
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); .ci/run installs it")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        # Those other connection objects are the test's own: closed here, or PostgreSQL still counted
        # them as sessions when the test database was dropped at the end ("accessed by other users").
        from django.db import connections

        connections.close_all()


@pytest.fixture
def artifacts_dir():
    """Where browser tests save screenshots (test-artifacts/, not committed)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
