"""Fixtures for the desk (agent workspace) tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def desk_client(client):
    """A browser that asks for English, so assertions on texts hold once Indonesian translations exist."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def agent_client(desk_client, personas):
    desk_client.force_login(personas.agent)
    return desk_client


@pytest.fixture
def desk_fixture():
    """Bytes of a file under tickets/tests/fixtures/desk/."""

    def read(name: str) -> bytes:
        return (FIXTURES / "desk" / name).read_bytes()

    return read
