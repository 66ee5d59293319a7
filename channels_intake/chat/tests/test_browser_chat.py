"""A real chat in real browsers: a visitor on a merchant's page (another origin) embedding the widget, and
an agent in the workspace, chatting both ways over WebSockets served by Daphne.

pytest-django's live_server is WSGI-only, so Daphne serves the ASGI application from a thread of this
process (the in-memory channel layer and eager Celery tasks are then shared with the server), and a
plain HTTP server on a second port plays the merchant's site.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from channels_intake.chat.models import ChatSession, ChatWidget
from tickets import actions
from tickets.models import AgentProfile, Direction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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


def test_a_visitor_and_an_agent_chat_both_ways(
    chromium, artifacts_dir, asgi_server, merchant_site, personas, topic
):
    agent_context = chromium.new_context(viewport={"width": 1100, "height": 800})
    client = Client()
    client.force_login(personas.agent)
    agent_context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": asgi_server}]
    )
    visitor_context = chromium.new_context(
        viewport={"width": 420, "height": 760}, is_mobile=True, has_touch=True
    )
    try:
        # The agent opens the live chats page and goes online.
        desk = agent_context.new_page()
        errors = script_errors(desk)
        desk.goto(f"{asgi_server}/chat/agent/")
        desk.wait_for_function("document.querySelector('[data-live-status]').hidden === true")
        desk.select_option("[data-live-presence]", "online")  # waiting chats are routed either way

        # A visitor on the shop's site opens the widget and fills in the pre-chat form.
        shop = visitor_context.new_page()
        errors += script_errors(shop)
        shop.goto(merchant_site)
        shop.click(".launcher")
        shop.fill("input[name=name]", "Budi Santoso")
        shop.fill("input[name=contact]", "0812-3456-7890")
        shop.fill("input[name=order_ref]", "INV/20261118/MPL/3612345678")
        shop.select_option("select[name=topic]", topic.slug)
        shop.click("form button[type=submit]")
        shop.fill("textarea.input", "Halo, pulsa saya belum masuk padahal saldo sudah terpotong.")
        shop.press("textarea.input", "Enter")
        shop.wait_for_selector(".msg.visitor >> text=Delivered")

        # The chat reaches the agent's list without a reload, routed to them (they are online).
        row = "[data-live-inbox] tr:has-text('Budi Santoso'):has-text('Alice')"
        desk.wait_for_selector(row, timeout=10000)
        desk.click(f"{row} a")
        desk.wait_for_selector(".sd-conversation >> text=pulsa saya belum masuk")

        # The agent answers; the visitor sees the reply, the agent's name and, later, typing.
        desk.fill("textarea[name=text]", "Halo Budi, kami cek transaksinya sekarang ya.")
        desk.click("form.sd-reply button[type=submit]")
        shop.wait_for_selector(".msg.agent >> text=kami cek transaksinya", timeout=10000)
        shop.wait_for_selector("text=Alice is answering you")

        # The visitor writes again: the agent's open conversation updates live, and marks it read.
        desk.wait_for_selector(".sd-conversation >> text=kami cek transaksinya")
        shop.fill("textarea.input", "Baik, terima kasih. Nomor HP saya 0812-3456-7890.")
        shop.press("textarea.input", "Enter")
        desk.wait_for_selector(".sd-conversation >> text=terima kasih", timeout=10000)
        shop.wait_for_selector(".msg.visitor >> nth=-1 >> text=Read", timeout=10000)

        desk.screenshot(path=str(artifacts_dir / "chat-agent.png"), full_page=True)
        shop.screenshot(path=str(artifacts_dir / "chat-visitor.png"))
        assert errors == []
    finally:
        agent_context.close()
        visitor_context.close()

    ticket = ChatSession.objects.get().ticket
    assert ticket.assignee == personas.agent
    assert [m.direction for m in ticket.messages.order_by("pk")] == [
        Direction.INBOUND,
        Direction.OUTBOUND,
        Direction.INBOUND,
    ]
    assert AgentProfile.objects.get(user=personas.agent).presence == AgentProfile.Presence.ONLINE


def test_without_websockets_the_widget_chats_by_polling_and_emails_the_transcript(
    chromium, artifacts_dir, merchant_site, personas, topic, mailoutbox
):
    context = chromium.new_context(viewport={"width": 1000, "height": 760})
    context.add_init_script("delete window.WebSocket")  # a network that blocks WebSockets
    try:
        shop = context.new_page()
        errors = script_errors(shop)
        shop.goto(merchant_site)
        shop.click(".launcher")
        shop.fill("input[name=name]", "Siti Rahma")
        shop.fill("input[name=contact]", "siti@example.test")
        shop.select_option("select[name=topic]", topic.slug)
        shop.click("form button[type=submit]")
        shop.wait_for_selector("text=Live connection unavailable")
        shop.fill("textarea.input", "Token listrik belum muncul")
        shop.press("textarea.input", "Enter")
        shop.wait_for_selector(".msg.visitor >> text=Delivered")

        ticket = ChatSession.objects.get().ticket
        actions.reply(ticket, by=personas.teammate, text="Token sudah kami kirim ulang ke SMS Anda.")
        shop.wait_for_selector(".msg.agent >> text=Token sudah kami kirim ulang", timeout=10000)
        shop.wait_for_selector("text=Bima is answering you")

        shop.click("button.end")
        shop.wait_for_selector("text=This chat has ended.")
        shop.click("text=Email me the transcript")
        shop.wait_for_selector("text=We are sending the transcript to siti@example.test")
        assert shop.locator("text=Email me the transcript").count() == 1  # the end view is shown once
        shop.screenshot(path=str(artifacts_dir / "chat-visitor-polling.png"))
        assert errors == []
    finally:
        context.close()
    assert [mail.to for mail in mailoutbox] == [["siti@example.test"]]
    assert "Token sudah kami kirim ulang" in mailoutbox[0].body
    assert ChatSession.objects.get().ended_at is not None


def test_out_of_hours_the_widget_takes_a_message_for_email(
    chromium, artifacts_dir, widget, merchant_site, topic
):
    today = timezone.localtime(timezone.now(), ZoneInfo(widget.time_zone)).weekday()
    other_day = "sat" if today != 5 else "sun"  # open all day, but not today
    ChatWidget.objects.filter(pk=widget.pk).update(opening_hours=f"{other_day} 00:00-24:00")
    context = chromium.new_context(viewport={"width": 1000, "height": 760})
    try:
        shop = context.new_page()
        errors = script_errors(shop)
        shop.goto(merchant_site)
        shop.click(".launcher")
        shop.wait_for_selector("text=We are back")
        shop.fill("input[name=name]", "Joko")
        shop.fill("input[name=contact]", "joko@example.test")
        shop.select_option("select[name=topic]", topic.slug)
        shop.fill("textarea[name=text]", "Saldo terpotong dua kali")
        shop.click("form button[type=submit]")
        shop.wait_for_selector("text=We will answer by email at joko@example.test")
        shop.screenshot(path=str(artifacts_dir / "chat-visitor-offline.png"))
        assert errors == []
    finally:
        context.close()
    session = ChatSession.objects.select_related("ticket").get()
    assert session.mode == ChatSession.Mode.OFFLINE
    assert session.ticket.messages.get().text == "Saldo terpotong dua kali"
