"""Fixtures for the public pages' tests."""

from __future__ import annotations

import ipaddress
import secrets

import pytest
from django.conf import settings
from django.test import Client


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
