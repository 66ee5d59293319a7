"""API clients for the standing personas."""

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
