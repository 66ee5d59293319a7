"""Configuration changes: the per-process cache, recomputing open tickets after an admin edit, and clocks
whose breach a policy change moved into the future."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from escalation.models import Escalation
from sla import config
from sla.badges import badges, panel
from sla.clocks import recompute
from sla.models import SlaBreach, SlaClock, SlaPolicy, SlaTarget, SlaWarning
from sla.tests.helpers import clock, frozen, local, policy_form, sweep_at, ticket_at, wib
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CREATED = wib(2025, 11, 17, 9, 0)  # Monday: the email policy makes it due at 11.00


def test_the_configuration_is_loaded_once_and_again_only_after_a_change(django_assert_num_queries):
    config.clear()
    first = config.current()
    with django_assert_num_queries(1):  # the version token, nothing else
        assert config.current() is first
    SlaPolicy.objects.filter(name="Email").get().save()  # any saved configuration row
    second = config.current()
    assert second is not first and second.version != first.version


def test_recompute_reads_the_cached_configuration_and_stays_correct_after_a_change(personas):
    ticket = ticket_at(CREATED, channel="email")
    SlaTarget.objects.filter(policy__name="Email", key="first_response").get().save()  # new version
    target = SlaTarget.objects.get(policy__name="Email", key="first_response")
    target.amount = 4
    target.save()
    with frozen(CREATED):
        recompute(ticket, reason="test")
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 17, 13, 0)


def test_an_admin_edit_of_a_policy_recomputes_the_open_tickets_it_affects(client, personas):
    ticket = ticket_at(CREATED, channel="email")
    web = ticket_at(CREATED, channel="web", sender="w@example.test")  # the default policy: unaffected
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 17, 11, 0)
    before = clock(web, "first_response").updated_at
    client.login(username=personas.admin.username, password=PASSWORD)
    policy = SlaPolicy.objects.get(name="Email")
    url = reverse("admin:sla_slapolicy_change", args=[policy.pk])
    with frozen(wib(2025, 11, 17, 9, 30)), TestCase.captureOnCommitCallbacks(execute=True) as queued:
        response = client.post(url, policy_form(policy, policy.targets.get(), amount=4))
    assert response.status_code == 302
    assert len(queued) >= 1  # the recomputation runs after the admin's commit, as a task
    assert local(clock(ticket, "first_response").due_at) == wib(2025, 11, 17, 13, 0)
    assert clock(web, "first_response").updated_at == before


def test_recomputing_open_tickets_goes_in_bounded_batches(personas, monkeypatch):
    from sla import reconfigure

    monkeypatch.setattr(reconfigure, "BATCH", 2)
    tickets = [ticket_at(CREATED, channel="email", sender=f"b{n}@example.test") for n in range(5)]
    target = SlaTarget.objects.get(policy__name="Email", key="first_response")
    SlaTarget.objects.filter(pk=target.pk).update(amount=3)  # behind the admin's back: no recompute yet
    target.save(update_fields=["amount"])  # saving the row as the admin does gives a new version
    SlaTarget.objects.filter(pk=target.pk).update(amount=3)
    with frozen(CREATED), TestCase.captureOnCommitCallbacks(execute=True):
        assert reconfigure.recompute_batch({"policy": target.policy_id}) == 2  # the rest follows as tasks
    assert {local(clock(t, "first_response").due_at) for t in tickets} == {wib(2025, 11, 17, 12, 0)}


def test_a_breach_a_policy_change_moved_into_the_future_is_history_not_the_clocks_state(personas):
    ticket = ticket_at(CREATED, channel="email")
    assert sweep_at(wib(2025, 11, 17, 11, 1)).breached == 1
    target = SlaTarget.objects.get(policy__name="Email", key="first_response")
    target.amount = 8
    target.save()
    now = wib(2025, 11, 17, 11, 5)
    with frozen(now):
        recompute(ticket, reason="sla_configuration")
    moved = clock(ticket, "first_response")
    assert local(moved.due_at) == wib(2025, 11, 17, 17, 0)
    assert moved.breached_at is None and moved.warned_at is None  # the clock runs again ...
    assert SlaBreach.objects.filter(ticket=ticket).count() == 1  # ... and the breach stays on record
    assert [b.state for b in badges([moved], now=now)] == ["running"]
    (row,) = panel([moved], now=now)
    assert row.state == "running" and row.breached_earlier is not None
    # Falling due again records nothing twice and tells escalation nothing twice.
    result = sweep_at(wib(2025, 11, 17, 17, 1))
    assert (result.warned, result.breached, result.skipped) == (0, 0, 2)  # its warning and its breach
    assert clock(ticket, "first_response").breached_at is not None
    assert not SlaWarning.objects.filter(ticket=ticket).exists()
    assert Escalation.objects.filter(ticket=ticket).count() == 1


def test_the_ticket_panel_says_which_policy_each_clock_came_from(client, personas):
    ticket = ticket_at(CREATED, channel="email", category_slug="refund")
    client.force_login(personas.agent)
    html = client.get(reverse("desk:ticket", args=[ticket.pk])).content.decode()
    assert "Complex reports (returns, wrong shipments, refunds)" in html and ">Email<" in html
    assert {c.policy.name for c in SlaClock.objects.filter(ticket=ticket)} == {
        "Email",
        "Complex reports (returns, wrong shipments, refunds)",
    }
