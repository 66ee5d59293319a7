"""Clients for the standing personas (API and desk) and fixture files."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tickets.tests.clients import english_client

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def api(personas) -> APIClient:
    """An API client logged in (session) as the agent Alice, asking for English messages."""
    client = english_client()
    client.force_login(personas.agent)
    return client


@pytest.fixture
def receipt_png() -> bytes:
    return (FIXTURES / "transfer-receipt.png").read_bytes()


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
