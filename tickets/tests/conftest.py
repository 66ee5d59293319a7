"""Fixtures for the desk (agent workspace) tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def agent_client(client, personas):
    client.force_login(personas.agent)
    return client


@pytest.fixture
def desk_fixture():
    """Bytes of a file under tickets/tests/fixtures/desk/."""

    def read(name: str) -> bytes:
        return (FIXTURES / "desk" / name).read_bytes()

    return read
