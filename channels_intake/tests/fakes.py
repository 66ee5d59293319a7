"""A fake Meta Graph API and X API: a real HTTP server on 127.0.0.1 for the channel tests.

It records every request and answers as the real services do, including their error bodies. Tests
script exceptional answers (a 5xx, an expired window, an invalid token) with ``script()``; those are
served first, once each, in order.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GRAPH_VERSION = "v21.0"
VALID_TOKEN = "EAAG-test-page-or-system-user-token"
X_CONSUMER_KEY = "xvz1evFS4wEEPTGEFPHBog"

INVALID_TOKEN = {
    "error": {
        "message": "Invalid OAuth access token - Cannot parse access token",
        "type": "OAuthException",
        "code": 190,
        "fbtrace_id": "AbCdEfGhIjKlMnOpQrStUvW",
    }
}
WHATSAPP_RATE_LIMITED = {
    "error": {
        "message": "(#130429) Rate limit hit",
        "type": "OAuthException",
        "code": 130429,
        "error_data": {
            "messaging_product": "whatsapp",
            "details": "Cloud API message throughput has been reached.",
        },
        "fbtrace_id": "A1b2C3d4E5f6G7h8I9j0K1l",
    }
}
OUTSIDE_WINDOW = {
    "error": {
        "message": "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview",
        "type": "OAuthException",
        "code": 10,
        "error_subcode": 2018278,
        "fbtrace_id": "BQm3V0p8wqXy2z1a4b5c6d7",
    }
}
SERVER_ERROR = {
    "error": {
        "message": "An unexpected error has occurred. Please retry your request later.",
        "type": "OAuthException",
        "is_transient": True,
        "code": 2,
        "fbtrace_id": "Az9Y8x7W6v5U4t3S2r1Q0p9",
    }
}
X_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Scripted:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any] | bytes


@dataclass
class FakeProviders:
    requests: list[Recorded] = field(default_factory=list)
    valid_tokens: set[str] = field(default_factory=lambda: {VALID_TOKEN})
    x_consumer_keys: set[str] = field(default_factory=lambda: {X_CONSUMER_KEY})
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # id or file name -> (bytes, type)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    scripted: list[Scripted] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- control from tests --------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeProviders:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def script(
        self, method: str, path_regex: str, status: int, body: dict[str, Any] | bytes, times: int = 1
    ) -> None:
        for _ in range(times):
            self.scripted.append(Scripted(method, re.compile(path_regex), status, body))

    def calls(self, method: str | None = None, path_contains: str = "") -> list[Recorded]:
        return [
            r for r in self.requests if (method is None or r.method == method) and path_contains in r.path
        ]

    # --- serving --------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        recorded = Recorded(handler.command, parts.path, parse_qs(parts.query), dict(handler.headers), body)
        with self._lock:
            self.requests.append(recorded)
            scripted = next(
                (s for s in self.scripted if s.method == recorded.method and s.pattern.search(recorded.path)),
                None,
            )
            if scripted is not None:
                self.scripted.remove(scripted)
        if scripted is not None:
            status, answer = scripted.status, scripted.body
        else:
            status, answer = self._route(recorded)
        self._reply(handler, status, answer)

    def _reply(
        self, handler: BaseHTTPRequestHandler, status: int, answer: dict[str, Any] | bytes | tuple[bytes, str]
    ) -> None:
        if isinstance(answer, tuple):
            payload, content_type = answer
        elif isinstance(answer, bytes):
            payload, content_type = answer, "application/octet-stream"
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json"
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _bearer_ok(self, request: Recorded) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth.removeprefix("Bearer ") in self.valid_tokens

    def _oauth1_ok(self, request: Recorded) -> bool:
        auth = request.headers.get("Authorization", "")
        keys = dict(re.findall(r'(\w+)="([^"]*)"', auth))
        return (
            auth.startswith("OAuth ")
            and keys.get("oauth_consumer_key") in self.x_consumer_keys
            and keys.get("oauth_signature_method") == "HMAC-SHA1"
            and bool(keys.get("oauth_signature"))
        )

    def _route(self, request: Recorded) -> tuple[int, Any]:
        path = request.path
        graph = f"/{GRAPH_VERSION}/"
        if path.startswith(graph):
            if not self._bearer_ok(request):
                return 401, INVALID_TOKEN
            return self._graph(request, path.removeprefix(graph).strip("/").split("/"))
        if path.startswith("/whatsapp-media/"):
            if not self._bearer_ok(request):
                return 401, INVALID_TOKEN
            return self._file(path.removeprefix("/whatsapp-media/"))
        if path.startswith("/cdn/"):
            return self._file(path.removeprefix("/cdn/"))
        if path.startswith("/x-media/"):
            if not self._oauth1_ok(request):
                return 401, X_UNAUTHORIZED
            return self._file(path.removeprefix("/x-media/"))
        match = re.fullmatch(r"/2/dm_conversations/with/(\d+)/messages", path)
        if match and request.method == "POST":
            if not self._oauth1_ok(request):
                return 401, X_UNAUTHORIZED
            event_id = str(1_860_000_000_000_000_000 + next(self._ids))
            return 201, {
                "data": {
                    "dm_conversation_id": f"{match.group(1)}-1442561957406490624",
                    "dm_event_id": event_id,
                }
            }
        return 404, {"error": {"message": f"Unknown path {path}", "code": 803}}

    def _file(self, name: str) -> tuple[int, Any]:
        if name not in self.media:
            return 404, b"Not Found"
        content, content_type = self.media[name]
        return 200, (content, content_type)

    def _graph(self, request: Recorded, segments: list[str]) -> tuple[int, Any]:
        number = next(self._ids)
        if request.method == "POST" and len(segments) == 2 and segments[1] == "messages":
            if segments[0] == "me":
                sent = request.json()
                return 200, {
                    "recipient_id": sent["recipient"]["id"],
                    "message_id": f"m_fake-send-api-{number}",
                }
            sent = request.json()
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": sent["to"], "wa_id": sent["to"]}],
                "messages": [
                    {
                        "id": f"wamid.FAKE{number:010d}",
                        **({"message_status": "accepted"} if sent.get("type") == "template" else {}),
                    }
                ],
            }
        if request.method == "POST" and len(segments) == 2 and segments[1] == "media":
            return 200, {"id": f"{900_000_000_000 + number}"}
        if request.method == "GET" and len(segments) == 1:
            object_id = segments[0]
            if object_id in self.media:
                content, content_type = self.media[object_id]
                return 200, {
                    "messaging_product": "whatsapp",
                    "url": f"{self.url}/whatsapp-media/{object_id}",
                    "mime_type": content_type,
                    "sha256": "0" * 64,
                    "file_size": len(content),
                    "id": object_id,
                }
            if object_id in self.profiles:
                return 200, {**self.profiles[object_id], "id": object_id}
        return 400, {
            "error": {
                "message": f"Unsupported get request. Object with ID '{segments[0]}' does not exist.",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
                "fbtrace_id": "AxYz0123456789AbCdEfGhI",
            }
        }
