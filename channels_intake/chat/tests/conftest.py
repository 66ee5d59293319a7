"""Chat test helpers: a widget for the standing team, visitors and agents on real sockets, and for browser
tests Daphne serving the ASGI application plus a merchant's page on another origin.

pytest-django's live_server is WSGI-only, so Daphne serves the ASGI application from a thread of this
process (the in-memory channel layer and eager Celery tasks are then shared with the server), and a
plain HTTP server on a second port plays the merchant's site.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from channels_intake.chat import visitor
from channels_intake.chat.identity import visitor_token
from channels_intake.chat.models import AgentConnection, ChatSession, ChatWidget
from channels_intake.chat.routing import websocket_application
from sla.models import BusinessCalendar
from tickets.models import AgentProfile, Category

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SHOP = "https://shop.example.co.id"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(coroutine_function: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async scenario from a plain test (consumers' database calls come back to this thread).

    Once a browser test has started Playwright's sync API (the session-wide ``chromium`` fixture), an
    event loop stays running in the main thread and async_to_sync refuses to run there: the scenario
    then runs in a thread of its own, which sees the data of transactional tests.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(coroutine_function)()

    def in_thread() -> Any:
        try:
            return async_to_sync(coroutine_function)()
        finally:
            connections.close_all()  # this thread's connection would keep the test database open

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


@pytest.fixture(autouse=True, scope="session")
def no_persistent_connections():
    """On PostgreSQL the sockets' database work runs in a thread pool: without persistent connections
    those threads close theirs after each call, instead of keeping the test database open."""
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def fresh_channel_layer(settings):
    """Every test gets an empty channel layer: a fresh in-memory one, or its own prefix on Redis."""
    layer = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"].startswith("channels_redis"):
        config = {**layer.get("CONFIG", {}), "prefix": f"test-{uuid.uuid4().hex[:8]}"}
        settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": config}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def always_open_unless_a_test_says_otherwise(request):
    """The chat opens when the team's business calendar does: tests start on the seeded 24/7 calendar
    as the default, so none depends on the real clock; hours tests choose their own calendar."""
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        return
    request.getfixturevalue("db")
    BusinessCalendar.objects.update(is_default=False)
    BusinessCalendar.objects.filter(name="24/7").update(is_default=True)


@pytest.fixture
def topic(db) -> Category:
    category, _created = Category.objects.get_or_create(
        slug="order-pending",
        defaults={"name_id": "Pesanan tertunda setelah pembayaran", "name_en": "Order pending after payment"},
    )
    return category


@pytest.fixture
def widget(personas) -> ChatWidget:
    return ChatWidget.objects.create(
        name="Toko Contoh",
        team=personas.team,
        allowed_origins=f"{SHOP}\nhttps://*.contoh.id",
        no_answer_seconds=120,
    )


def make_session(widget: ChatWidget, *, name: str = "Budi Santoso", **fields: Any) -> ChatSession:
    fields.setdefault("email", "budi@example.test")
    return visitor.start_session(widget, name=name, **fields)


def go_online(user: Any, channel_name: str | None = None) -> None:
    """The agent chose 'online' and has the workspace open."""
    AgentProfile.objects.filter(user=user).update(presence=AgentProfile.Presence.ONLINE)
    AgentConnection.objects.create(user=user, channel_name=channel_name or f"test!{uuid.uuid4().hex}")


@asynccontextmanager
async def visitor_socket(
    widget: ChatWidget, *, origin: str = SHOP, key: str | None = None
) -> AsyncIterator[WebsocketCommunicator]:
    communicator = WebsocketCommunicator(
        websocket_application, f"/ws/chat/{key or widget.public_key}/", headers=[(b"origin", origin.encode())]
    )
    connected, _code = await communicator.connect()
    assert connected, f"the visitor socket refused {origin}"
    try:
        yield communicator
    finally:
        await communicator.disconnect()


async def say_hello(
    communicator: WebsocketCommunicator, session: ChatSession, after: int = 0
) -> dict[str, Any]:
    await communicator.send_json_to({"type": "hello", "token": visitor_token(session), "after": after})
    welcome = await communicator.receive_json_from(timeout=3)
    assert welcome["type"] == "welcome", welcome
    return welcome


async def receive_until(communicator: WebsocketCommunicator, kind: str, timeout: float = 3) -> dict[str, Any]:
    """The next frame of ``kind``, skipping others (state updates arrive with most events)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def receive_all(communicator: WebsocketCommunicator, *kinds: str, timeout: float = 3) -> dict[str, Any]:
    """The first frame of each of ``kinds``, in whatever order they come."""
    found: dict[str, Any] = {}
    while set(kinds) - set(found):
        frame = await communicator.receive_json_from(timeout=timeout)
        found.setdefault(frame["type"], frame)
    return found


def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@asynccontextmanager
async def agent_socket(
    user: Any, *, origin: str = "http://testserver"
) -> AsyncIterator[WebsocketCommunicator]:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(websocket_application, "/ws/desk/", headers=headers)
    connected, _code = await communicator.connect()
    assert connected, "the agent socket refused the connection"
    try:
        hello = await communicator.receive_json_from(timeout=3)
        assert hello["type"] == "hello"
        yield communicator
    finally:
        await communicator.disconnect()


# Browser tests ------------------------------------------------------------------------------------
class SerialASGIHandler:
    """Django's ASGI handler, minus its one-thread-per-request context.

    All synchronous work (views, consumers' database calls) then runs in asgiref's single shared thread,
    so an in-memory SQLite test database is only ever used by one connection at a time. On PostgreSQL it
    changes nothing the test relies on.
    """

    def __init__(self) -> None:
        from django.core.handlers.asgi import ASGIHandler

        self.handler = ASGIHandler()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.handler.handle(scope, receive, send)


def close_server_connections() -> None:
    """The server's database work runs in asgiref's one shared thread: close its connection there."""
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(scope="session")
def asgi_server() -> Iterator[str]:
    """Daphne on 127.0.0.1 and a free port, for the whole test session (Twisted's reactor runs once)."""
    from channels.routing import ProtocolTypeRouter
    from daphne.server import Server
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from twisted.internet import reactor

    from channels_intake.chat.routing import websocket_application

    application = ProtocolTypeRouter(
        {"http": ASGIStaticFilesHandler(SerialASGIHandler()), "websocket": websocket_application}
    )
    server = Server(
        application, endpoints=["tcp:port=0:interface=127.0.0.1"], signal_handlers=False, verbosity=0
    )
    thread = threading.Thread(target=server.run, name="daphne", daemon=True)
    thread.start()
    for _attempt in range(100):
        if server.listening_addresses:
            break
        time.sleep(0.05)
    host, port = server.listening_addresses[0]
    yield f"http://{host}:{port}"
    close_server_connections()
    reactor.callFromThread(reactor.stop)
    thread.join(timeout=10)


@pytest.fixture
def merchant_site(widget: ChatWidget, asgi_server: str) -> Iterator[str]:
    """A shop's page on another origin, embedding the widget with one script tag."""
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Toko Contoh</title></head>'
        "<body><h1>Toko Contoh</h1><p>Pulsa, token listrik, voucher game.</p>"
        f'<script src="{asgi_server}/chat/widget.js" data-key="{widget.public_key}" data-lang="en" async></script>'
        "</body></html>"
    ).encode()

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    ChatWidget.objects.filter(pk=widget.pk).update(allowed_origins=origin)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield origin
    httpd.shutdown()
    close_server_connections()


def script_errors(page: Any) -> list[str]:
    """JavaScript errors the page throws (a test fails on any)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def agent_browser(chromium: Any, server: str, user: Any, **options: Any) -> Any:
    """A browser context signed in as ``user`` on ``server``."""
    context = chromium.new_context(**options)
    client = Client()
    client.force_login(user)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server}])
    return context
