"""Third parties as real servers on 127.0.0.1: an ESP's sending API (Mailgun's shape).

``script(status, body)`` queues answers served first, once each, in order (Mailgun's real error
bodies), before the server goes back to accepting.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeMailgunAPI(ThreadingHTTPServer):
    """Accepts POST /v3/<domain>/messages(.mime) like Mailgun and answers with a new message id."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _MailgunHandler)
        self.requests: list[dict[str, object]] = []
        self.counter = 0
        self.scripted: list[tuple[int, bytes, str]] = []

    def script(self, status: int, body: bytes | str, content_type: str = "application/json") -> None:
        self.scripted.append((status, body.encode() if isinstance(body, str) else body, content_type))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v3"


class _MailgunHandler(BaseHTTPRequestHandler):
    server: FakeMailgunAPI

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.server.scripted:
            status, answer, content_type = self.server.scripted.pop(0)
            self.server.requests.append({"path": self.path, "body": body, "id": None, "status": status})
            self._answer(status, answer, content_type)
            return
        self.server.counter += 1
        message_id = f"20240330030003.{self.server.counter:06d}@sandbox.mailgun.example"
        self.server.requests.append({"path": self.path, "body": body, "id": message_id, "status": 200})
        payload = json.dumps({"id": f"<{message_id}>", "message": "Queued. Thank you."}).encode()
        self._answer(200, payload, "application/json")

    def _answer(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def fake_mailgun() -> Iterator[FakeMailgunAPI]:
    server = FakeMailgunAPI()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
