"""The desk's ticket page stays usable while live updates arrive, on every channel (here: email)."""

from __future__ import annotations

import pytest

from channels_intake.chat.tests.conftest import agent_browser, script_errors
from channels_intake.chat.tests.test_browser_chat import in_thread
from tests.factories import customer_ticket, inbound
from tickets import actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_draft_and_the_composer_survive_a_customer_message_arriving(
    chromium, artifacts_dir, asgi_server, personas
):
    ticket = customer_ticket("Paket saya belum sampai", team_slug=personas.team.slug)
    context = agent_browser(chromium, asgi_server, personas.agent, viewport={"width": 1280, "height": 900})
    try:
        desk = context.new_page()
        errors = script_errors(desk)
        desk.goto(f"{asgi_server}/desk/tickets/{ticket.pk}/")
        desk.wait_for_function("document.querySelector('[data-live-status]').hidden === true")
        # The socket's open fetches every part once (what changed while nobody listened): let it finish
        # before counting what the new message fetches.
        desk.wait_for_load_state("networkidle")
        fetched: list[str] = []
        desk.on("request", lambda request: fetched.append(request.url.removeprefix(asgi_server)))
        desk.fill("#id_reply_text", "Halo Kak, paketnya sedang")
        desk.click(".composer [data-tab=note]")
        desk.fill(".pane-note textarea", "cek ke kurir dulu")

        reply = inbound("Sudah seminggu lho", subject_ticket_number=ticket.pk)
        in_thread(actions.receive_message, reply)
        desk.wait_for_selector("#conversation >> text=Sudah seminggu lho", timeout=10000)
        desk.wait_for_selector("#ticket-timeline >> text=Message from the customer >> nth=1")
        # Only the new message and timeline entry were fetched, not the page (nor its header).
        parts = f"/desk/tickets/{ticket.pk}/parts/?parts=messages,timeline&after="
        assert [url for url in fetched if url.startswith(parts)], fetched
        assert f"/desk/tickets/{ticket.pk}/" not in fetched
        assert not [url for url in fetched if "head" in url or "conversation" in url], fetched

        assert desk.get_attribute(".composer", "data-active") == "note"
        assert desk.input_value(".pane-note textarea") == "cek ke kurir dulu"
        desk.click(".composer [data-tab=reply]")
        assert desk.get_attribute(".composer", "data-active") == "reply"
        assert desk.input_value("#id_reply_text") == "Halo Kak, paketnya sedang"
        # The swapped properties still work: choosing "On hold" asks for the reason.
        desk.select_option("#prop-status", "on_hold")
        assert desk.is_visible(".hold-reason")
        desk.screenshot(path=str(artifacts_dir / "desk-draft-survives.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
