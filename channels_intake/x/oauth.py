"""OAuth 1.0a request signing (HMAC-SHA1, RFC 5849), as X's user-context endpoints require.

Small enough to keep here rather than add a dependency; checked against X's documented example.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit


def _pct(value: str) -> str:
    return quote(value, safe="~")


def authorization_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    form: dict[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The ``Authorization: OAuth ...`` value for one request (JSON bodies are not signed)."""
    parts = urlsplit(url)
    base_url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    params = [*parse_qsl(parts.query, keep_blank_values=True), *(form or {}).items(), *oauth.items()]
    normalised = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in params))
    base = "&".join([method.upper(), _pct(base_url), _pct(normalised)])
    key = f"{_pct(consumer_secret)}&{_pct(token_secret)}"
    signature = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()
    oauth["oauth_signature"] = signature
    return "OAuth " + ", ".join(f'{_pct(k)}="{_pct(v)}"' for k, v in sorted(oauth.items()))
