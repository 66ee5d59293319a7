"""A supervisor resolves an overdue escalation in the admin with real Chromium; the customer sees the outcome."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escalation import requests
from escalation.models import Escalation, EscalationStatus
from escalation.tests.conftest import make_desk, ticket_for
from tests.factories import PASSWORD
from tickets.links import status_token
from tickets.models import Direction

OUTCOME = (
    "Kami sudah menghubungi kurir: paket Anda dikirim ulang besok pagi. Mohon maaf atas keterlambatannya."
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_supervisor_resolves_an_overdue_escalation_and_the_customer_sees_the_outcome(
    chromium, artifacts_dir, live_server
):
    desk = make_desk()
    # The customer asked a week ago; the two-working-day review is long overdue.
    with time_machine.travel(timezone.now() - dt.timedelta(days=7), tick=False):
        ticket = ticket_for(desk, text="Paket saya hilang, tolong eskalasi", subject="Paket hilang")
        escalation = requests.request_by_customer(ticket, text="Agen belum menjawab")
    assert escalation.is_overdue
    token = status_token(ticket)

    page = chromium.new_page()
    try:
        page.goto(f"{live_server.url}{reverse('admin:login')}")
        page.fill("#id_username", desk.supervisor.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(f"{live_server.url}{reverse('admin:escalation_escalation_changelist')}?overdue=yes")
        row = page.locator("#result_list tbody tr", has=page.locator(".escalation-overdue"))
        assert row.count() == 1
        page.screenshot(path=str(artifacts_dir / "escalation-queue.png"), full_page=True)
        row.locator(f"text={ticket.reference}").click()
        assert "Paket saya hilang, tolong eskalasi" in page.inner_text(".escalation-context")
        page.screenshot(path=str(artifacts_dir / "escalation-page.png"), full_page=True)
        page.click("a.escalation-op-resolve")
        page.fill("textarea[name=outcome]", OUTCOME)
        page.screenshot(path=str(artifacts_dir / "escalation-resolve.png"), full_page=True)
        page.click("input[name=confirm]")
        page.wait_for_selector("ul.messagelist li.success")
        assert page.url.endswith(reverse("admin:escalation_escalation_change", args=[escalation.pk]))

        # The customer opens the signed status link from their mail.
        page.goto(f"{live_server.url}{reverse('tickets:status', kwargs={'token': token})}")
        assert OUTCOME in page.inner_text("body")
        page.goto(f"{live_server.url}{reverse('escalation_public:request', kwargs={'token': token})}")
        assert OUTCOME in page.inner_text(".escalation-outcome")
        page.screenshot(path=str(artifacts_dir / "escalation-status-panel.png"), full_page=True)
    finally:
        page.close()

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.resolved_by == desk.supervisor
    assert escalation.outcome_message.direction == Direction.OUTBOUND
    assert Escalation.objects.count() == 1
