"""A real chat in real browsers: a visitor on a merchant's page (another origin) embedding the widget, and
an agent on the desk's ticket page, chatting both ways over WebSockets served by Daphne (conftest.py)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone

from channels_intake.chat.models import ChatSession
from channels_intake.chat.tests.conftest import agent_browser, script_errors
from sla.models import BusinessCalendar, OpeningHours, TeamCalendar
from tickets import actions
from tickets.models import AgentProfile, Direction

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_chat(shop: Any, merchant_site: str, topic: Any) -> None:
    """A visitor on the shop's site opens the widget and fills in the pre-chat form."""
    shop.goto(merchant_site)
    shop.click(".launcher")
    shop.fill("input[name=name]", "Budi Santoso")
    shop.fill("input[name=contact]", "0812-3456-7890")
    shop.fill("input[name=order_ref]", "INV/20261118/MPL/3612345678")
    shop.select_option("select[name=topic]", topic.slug)
    shop.click("form button[type=submit]")


def in_thread(action: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an action as another request would: off Playwright's event loop, so its live update (published
    with async_to_sync after commit) goes out."""

    def call() -> Any:
        try:
            return action(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def say(shop: Any, text: str) -> None:
    shop.fill("textarea.input", text)
    shop.press("textarea.input", "Enter")


def test_a_visitor_and_an_agent_chat_both_ways_on_the_desk_ticket_page(
    chromium, artifacts_dir, asgi_server, merchant_site, personas, topic
):
    agent_context = agent_browser(
        chromium, asgi_server, personas.agent, viewport={"width": 1280, "height": 900}
    )
    visitor_context = chromium.new_context(
        viewport={"width": 420, "height": 760}, is_mobile=True, has_touch=True
    )
    try:
        # The agent opens the (empty) desk inbox and goes online.
        desk = agent_context.new_page()
        errors = script_errors(desk)
        desk.goto(f"{asgi_server}/desk/?view=open")
        desk.wait_for_selector("#inbox-list >> text=This queue is empty.")
        desk.wait_for_function("document.querySelector('[data-live-status]').hidden === true")
        desk.select_option("[data-live-presence]", "online")

        shop = visitor_context.new_page()
        errors += script_errors(shop)
        start_chat(shop, merchant_site, topic)
        say(shop, "Halo, pulsa saya belum masuk padahal saldo sudah terpotong.")
        shop.wait_for_selector(".msg.visitor >> text=Delivered")

        # The empty inbox gets the chat without a reload, routed to the agent; the queue counts follow.
        row = "#inbox-list tr:has-text('Budi Santoso'):has-text('Alice')"
        desk.wait_for_selector(row, timeout=10000)
        desk.wait_for_selector("#desk-nav a[href$='view=mine'] .count >> text=1")
        desk.click(f"{row} a.subject")
        desk.wait_for_selector("#conversation >> text=pulsa saya belum masuk")
        assert "Alice" in desk.inner_text("#ticket-head")
        # The agent has seen it: the visitor's message is marked read.
        shop.wait_for_selector(".msg.visitor >> nth=-1 >> text=Read", timeout=10000)

        # Typing both ways.
        shop.fill("textarea.input", "Sebentar")
        shop.dispatch_event("textarea.input", "input")
        desk.wait_for_selector("[data-live-typing]:not([hidden])", timeout=5000)
        desk.fill("#id_reply_text", "Halo Budi, ")
        shop.wait_for_selector("text=Alice is typing…", timeout=5000)

        # A customer message arrives while the agent writes: the draft and the tabs survive.
        say(shop, "Nomor HP saya 0812-3456-7890.")
        desk.wait_for_selector("#conversation >> text=Nomor HP saya", timeout=10000)
        assert desk.input_value("#id_reply_text") == "Halo Budi, "
        desk.click(".composer [data-tab=note]")
        assert desk.get_attribute(".composer", "data-active") == "note"
        desk.click(".composer [data-tab=reply]")

        # The agent answers; the visitor reads it, and the agent's page shows it was read.
        desk.fill("#id_reply_text", "Halo Budi, kami cek transaksinya sekarang ya.")
        desk.click(".pane-reply button[type=submit]")
        shop.wait_for_selector(".msg.agent >> text=kami cek transaksinya", timeout=10000)
        shop.wait_for_selector("text=Alice is answering you")
        desk.wait_for_selector("#conversation .msg-out .delivery >> text=Read", timeout=10000)

        # A supervisor reassigns the chat: the header and properties follow without a reload.
        ticket = ChatSession.objects.get().ticket
        in_thread(actions.assign, ticket, agent=personas.teammate, by=personas.supervisor)
        desk.wait_for_selector("#ticket-head >> text=Bima", timeout=10000)

        desk.screenshot(path=str(artifacts_dir / "chat-agent-desk.png"), full_page=True)
        shop.screenshot(path=str(artifacts_dir / "chat-visitor.png"))
        assert errors == []
    finally:
        agent_context.close()
        visitor_context.close()

    ticket = ChatSession.objects.get().ticket
    assert [m.direction for m in ticket.messages.order_by("pk")] == [
        Direction.INBOUND,
        Direction.INBOUND,
        Direction.OUTBOUND,
    ]
    assert AgentProfile.objects.get(user=personas.agent).presence == AgentProfile.Presence.ONLINE


def test_after_a_reload_the_widget_shows_the_whole_conversation_then_new_messages(
    chromium, artifacts_dir, merchant_site, personas, topic
):
    context = chromium.new_context(viewport={"width": 420, "height": 760})
    try:
        shop = context.new_page()
        errors = script_errors(shop)
        start_chat(shop, merchant_site, topic)
        say(shop, "Pesanan saya belum sampai")
        shop.wait_for_selector(".msg.visitor >> text=Delivered")
        ticket = ChatSession.objects.get().ticket
        in_thread(actions.reply, ticket, by=personas.agent, text="Kami cek dulu ya")
        shop.wait_for_selector(".msg.agent >> text=Kami cek dulu ya", timeout=10000)
        assert shop.locator(".msg").count() == 2

        shop.reload()  # or a click to another page of the shop
        shop.click(".launcher")
        shop.wait_for_selector(".msg.agent >> text=Kami cek dulu ya", timeout=10000)
        assert shop.locator(".msg").count() == 2
        in_thread(actions.reply, ticket, by=personas.agent, text="Sudah kami kirim ulang")
        shop.wait_for_selector(".msg.agent >> text=Sudah kami kirim ulang", timeout=10000)
        assert shop.locator(".msg").count() == 3
        shop.screenshot(path=str(artifacts_dir / "chat-visitor-after-reload.png"))
        assert errors == []
    finally:
        context.close()


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
    other_day = "sat" if today != 5 else "sun"  # open all day, but not today (the team's calendar)
    calendar = BusinessCalendar.objects.create(name="One day a week", observe_holidays=False)
    OpeningHours.objects.create(
        calendar=calendar, day=DAYS.index(other_day), opens=dt.time(0), closes=dt.time(0)
    )
    TeamCalendar.objects.create(team=widget.team, calendar=calendar)
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
