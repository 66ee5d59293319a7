"""The supervisor dashboard: open escalations by level and age, overdue reviews, SLA breaches today."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from escalation import actions, charts, requests
from escalation.models import Trigger
from escalation.tests.conftest import at, ticket_for
from sla import sweeper as sla_sweeper

pytestmark = pytest.mark.django_db
URL = reverse("escalation:dashboard")


def test_the_dashboard_counts_and_draws_open_escalations(
    client, desk, clock, django_capture_on_commit_callbacks
):
    requests.request_by_customer(ticket_for(desk), text="a")
    actions.escalate(ticket_for(desk, sender="rina@example.test"), reason=Trigger.AGENT_REQUEST, level=2)
    clock.move_to(at(4, 12))
    # Both tickets missed their 2-hour first response: the sla sweeper records two breaches today,
    # and the first-response rule escalates them (a task per breach, after the sweep commits).
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweeper.sweep().breached == 2
    actions.escalate(ticket_for(desk, sender="joko@example.test"), reason=Trigger.AGENT_REQUEST)
    client.force_login(desk.supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["open_total"] == 5
    assert response.context["overdue_count"] == 2
    assert response.context["breaches_today"] == 2
    assert html.count('<svg class="chart"') == 3
    # Only the admin's own scripts; the charts are plain server-rendered SVG, nothing from elsewhere.
    assert re.findall(r'<script src="([^"]+)"', html) and all(
        src.startswith("/static/admin/") for src in re.findall(r'<script src="([^"]+)"', html)
    )
    assert "L1 · team supervisor: 4" in html and "L2 · support manager: 1" in html  # bar tooltips
    assert "2–5 days: 2" in html and "under 4 hours: 3" in html  # 50 hours old, and just now
    assert "12: 2" in html  # breaches in the 12 o'clock hour


def test_agents_cannot_open_the_dashboard(client, desk):
    client.force_login(desk.agent)
    assert client.get(URL).status_code == 403


def test_chart_labels_are_escaped():
    svg = charts.bar_chart("<b>", [("<script>", 3), ("x", 0)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
