"""Clients for the standing personas (API, desk, customers) and fixture files."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
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


def new_customer_client(language: str = "en") -> Client:
    """A customer's browser on its own IP address, so rate-limit counters (kept in the cache, which
    outlives a test and may be a Redis shared by parallel workers) never leak between tests."""
    address = str(ipaddress.IPv4Address("10.0.0.0") + secrets.randbelow(2**24))
    client = Client(REMOTE_ADDR=address)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def customer(db) -> Client:
    """A customer who chose English with the language switch (assertions read English source text)."""
    return new_customer_client()
