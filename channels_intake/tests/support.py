"""Helpers for the channel tests: fixtures from disk, signing as Meta and X do, accounts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from channels_intake.accounts import MetaPage, WhatsAppNumber, XAccount
from channels_intake.tests.fakes import VALID_TOKEN, X_CONSUMER_KEY
from tickets.models import Team

ROOT = Path(__file__).resolve().parent.parent
APP_SECRET = "6f1c2b3a4d5e6f708192a3b4c5d6e7f8"
VERIFY_TOKEN = "sd-verify-8c1f0e"
X_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
X_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"


def fixture_bytes(channel: str, name: str) -> bytes:
    return (ROOT / channel / "tests" / "fixtures" / f"{name}.json").read_bytes()


def fixture(channel: str, name: str) -> dict[str, Any]:
    return json.loads(fixture_bytes(channel, name))


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, secret: str = X_CONSUMER_SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def whatsapp_number(team: Team | None = None, **fields: Any) -> WhatsAppNumber:
    values = {
        "name": "CS Jakarta",
        "slug": "cs-jakarta",
        "phone_number_id": "106540352242922",
        "display_phone_number": "6281100000000",
        "access_token": VALID_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "team": team,
        **fields,
    }
    return WhatsAppNumber.objects.create(**values)


def meta_page(channel: str, team: Team | None = None, **fields: Any) -> MetaPage:
    values = {
        "name": f"Toko {channel}",
        "slug": f"toko-{channel}",
        "channel": channel,
        "account_id": "17841400000000001" if channel == "instagram" else "108123456789012",
        "access_token": VALID_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "team": team,
        **fields,
    }
    return MetaPage.objects.create(**values)


def x_account(team: Team | None = None, **fields: Any) -> XAccount:
    values = {
        "name": "@tokocare",
        "slug": "tokocare",
        "user_id": "4337869213",
        "screen_name": "tokocare",
        "consumer_key": X_CONSUMER_KEY,
        "consumer_secret": X_CONSUMER_SECRET,
        "access_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "access_token_secret": X_TOKEN_SECRET,
        "team": team,
        **fields,
    }
    return XAccount.objects.create(**values)
