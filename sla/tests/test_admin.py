"""Admin: calendars with inline hours, ordered policies with targets, read-only clocks and records."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sla.models import BusinessCalendar, SlaClock, SlaPolicy, SlaTarget
from sla.tests.helpers import policy_form, ticket_at, wib
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.login(username=personas.admin.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "model", ["businesscalendar", "slapolicy", "slaclock", "slabreach", "slawarning", "teamcalendar"]
)
def test_every_sla_admin_list_opens(admin_client, model):
    ticket_at(wib(2025, 11, 17, 9, 0), channel="email")
    assert admin_client.get(reverse(f"admin:sla_{model}_changelist")).status_code == 200


def test_a_calendar_opens_with_its_hours_inline(admin_client):
    calendar = BusinessCalendar.objects.get(name__startswith="Mon–Fri")
    html = admin_client.get(reverse("admin:sla_businesscalendar_change", args=[calendar.pk])).content.decode()
    assert "hours-TOTAL_FORMS" in html and 'value="08:00:00"' in html


def test_policies_are_ordered_and_edited_with_ticks_for_conditions(admin_client):
    names = [p.name for p in SlaPolicy.objects.all()]
    assert names[0] == "Order pending after payment" and names[-1] == "Default"
    policy = SlaPolicy.objects.get(name="Email")
    url = reverse("admin:sla_slapolicy_change", args=[policy.pk])
    page = admin_client.get(url).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="channels" value="(\w+)"[^>]*checked', page)
    assert ticked == ["email"]
    target = policy.targets.get()
    form = policy_form(
        policy,
        target,
        position="55",
        channels=["email", "web"],
        priorities=["urgent"],
        pause_statuses=["pending"],
        amount=3,
        warn_minutes_before=30,
    )
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy.refresh_from_db()
    assert (policy.channels, policy.priorities, policy.pause_statuses) == (
        ["email", "web"],
        ["urgent"],
        ["pending"],
    )
    assert SlaTarget.objects.get(pk=target.pk).amount == 3


def test_a_target_warning_both_ways_is_refused(admin_client):
    policy = SlaPolicy.objects.get(name="Email")
    target = SlaTarget(
        policy=policy,
        key="x",
        name="X",
        kind="resolution",
        amount=1,
        unit="hours",
        warn_percent=80,
        warn_minutes_before=5,
    )
    with pytest.raises(ValidationError, match="not both"):
        target.full_clean()


def test_clocks_cannot_be_edited_in_the_admin(admin_client):
    ticket_at(wib(2025, 11, 17, 9, 0), channel="email")
    clock = SlaClock.objects.get()
    response = admin_client.get(reverse("admin:sla_slaclock_change", args=[clock.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.get(reverse("admin:sla_slaclock_add")).status_code == 403
