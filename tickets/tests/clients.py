"""API clients for tests. English, because tests compare messages and the Indonesian catalogue may change."""

from __future__ import annotations

from rest_framework.test import APIClient


def english_client() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def token_client(key: str) -> APIClient:
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
