"""The ASGI server's HTTP side: what a request leaves behind when it ends."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.db import connections
from django.db.backends.signals import connection_created

from supportdesk.handlers import RequestASGIHandler


def get(application: RequestASGIHandler, path: str) -> int:
    async def request() -> int:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(b"host", b"testserver")], "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        }  # fmt: skip
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(timeout=10)
        while (await communicator.receive_output(timeout=10)).get("more_body") is not False:
            pass
        await communicator.wait(timeout=10)
        return int(start["status"])

    return async_to_sync(request)()


@pytest.mark.django_db(transaction=True)
def test_a_request_closes_the_database_connection_its_thread_opened_even_with_persistent_connections(
    monkeypatch,
):
    # Every ASGI request runs in a fresh thread, so a connection kept for CONN_MAX_AGE would never be
    # used again and would stay open until garbage collection (PostgreSQL ran out of connections).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    opened = []

    def remember(sender, connection, **kwargs):
        opened.append(connection)

    connection_created.connect(remember)
    try:
        statuses = [get(RequestASGIHandler(), "/healthz/") for _ in range(3)]
    finally:
        connection_created.disconnect(remember)

    assert statuses == [200, 200, 200]
    assert len(opened) == 3, "each request ran in a thread of its own and used the database"
    assert [wrapper.connection for wrapper in opened] == [None, None, None]
