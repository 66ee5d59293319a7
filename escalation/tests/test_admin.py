"""The supervisors' admin: the queue, its filters and search, every action, and who is refused."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import formats, timezone

from escalation import actions, hooks, requests
from escalation.models import Escalation, EscalationLog, EscalationRule, EscalationStatus
from escalation.tests.conftest import at, ticket_for
from sla.models import SlaClock
from tests.factories import customer_ticket
from tickets import actions as ticket_actions
from tickets.models import DeliveryStatus, Direction, Status, TicketEvent

pytestmark = pytest.mark.django_db
QUEUE = reverse("admin:escalation_escalation_changelist")


def op_url(name: str, *escalations: Escalation) -> str:
    ids = ",".join(str(item.pk) for item in escalations)
    return reverse("admin:escalation_escalation_operation", args=[name]) + f"?ids={ids}"


def change_url(escalation: Escalation) -> str:
    return reverse("admin:escalation_escalation_change", args=[escalation.pk])


@pytest.fixture
def escalation(desk, clock):  # type: ignore[no-untyped-def]
    ticket = ticket_for(desk, text="Paket belum datang, saya minta supervisor")
    return requests.request_by_customer(ticket, text="Agen tidak membalas")


@pytest.fixture
def sari(client, desk):  # type: ignore[no-untyped-def]
    client.force_login(desk.supervisor)
    return client


def test_the_queue_lists_escalations_with_overdue_reviews_highlighted(sari, desk, escalation, clock):
    fresh = requests.request_by_customer(ticket_for(desk, sender="rina@example.test", name="Rina"), text="x")
    clock.move_to(at(4, 10, 30))  # the first is overdue now; make the second one younger
    Escalation.objects.filter(pk=fresh.pk).update(review_due=at(6, 10))
    html = sari.get(QUEUE).content.decode()
    assert escalation.ticket.reference in html and fresh.ticket.reference in html
    assert "Budi Santoso" in html and "Rina" in html
    assert html.count("escalation-overdue") == 1
    assert "L1" in html and "Customer asked for a supervisor" in html


def test_the_queue_filters_and_searches(sari, desk, escalation, clock):
    other = actions.escalate(
        ticket_for(desk, sender="rina@example.test", name="Rina Wulandari", subject="Saldo"),
        reason="agent_request",
        level=2,
    )
    resolved = requests.request_by_customer(
        ticket_for(desk, sender="joko@example.test", name="Joko"), text="x"
    )
    actions.resolve(resolved, by=desk.supervisor, outcome="Selesai")

    def refs(query: str) -> set[str]:
        response = sari.get(QUEUE + query)
        assert response.status_code == 200
        return {item.ticket.reference for item in response.context["cl"].result_list}

    a, b, c = escalation.ticket.reference, other.ticket.reference, resolved.ticket.reference
    assert refs("") == {a, b}  # work to do by default
    assert refs("?status=all") == {a, b, c}
    assert refs("?status=resolved") == {c}
    assert refs("?mine=1") == {a}
    assert refs("?level__exact=2") == {b}
    assert refs("?reason__exact=agent_request") == {b}
    assert refs(f"?team__id__exact={desk.team.pk}") == {a, b}
    assert refs("?overdue=yes") == set()
    clock.move_to(at(5, 10))
    assert refs("?overdue=yes") == {a, b}
    assert refs(f"?q={b.lstrip('#')}") == {b}  # SD-12
    assert refs(f"?q={other.ticket.pk}&status=all") == {b}
    assert refs("?q=%23SD-" + str(escalation.ticket.pk)) == {a}
    assert refs("?q=rina@example") == {b}
    assert refs("?q=Budi") == {a}


def test_the_queue_costs_the_same_number_of_queries_for_many_rows(
    sari, desk, clock, django_assert_max_num_queries
):
    requests.request_by_customer(ticket_for(desk), text="x")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        sari.get(QUEUE)
    for index in range(8):
        requests.request_by_customer(
            customer_ticket(sender=f"c{index}@example.test", name=f"C {index}"), text="x"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        sari.get(QUEUE)


def test_agents_cannot_reach_the_queue_or_act(client, desk, escalation):
    client.force_login(desk.agent)  # not staff
    assert client.get(QUEUE).status_code == 302  # to the admin login
    assert client.post(op_url("acknowledge", escalation)).status_code == 302
    # Even a staff account in the Supervisors group is refused while its role is "agent".
    desk.agent.is_staff = True
    desk.agent.save(update_fields=["is_staff"])
    desk.agent.groups.add(Group.objects.get(name="Supervisors"))
    assert client.get(QUEUE).status_code == 403
    assert client.get(change_url(escalation)).status_code == 403
    assert client.post(op_url("acknowledge", escalation)).status_code == 403
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN
    with pytest.raises(actions.ActionError):
        actions.acknowledge(escalation, by=desk.agent)


def test_a_supervisor_acknowledges_and_it_is_audited(sari, desk, escalation):
    assert sari.get(op_url("acknowledge", escalation)).status_code == 200
    response = sari.post(op_url("acknowledge", escalation), {"ids": escalation.pk})
    assert response.status_code == 302 and response["Location"] == change_url(escalation)
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_at == at(2, 10)
    assert EscalationLog.objects.filter(
        escalation=escalation, action="acknowledged", actor=desk.supervisor
    ).exists()
    event = TicketEvent.objects.filter(kind="escalation", actor=desk.supervisor).get()
    assert event.after["action"] == "acknowledged"
    assert LogEntry.objects.filter(object_id=str(escalation.pk), user=desk.supervisor).exists()
    # Acknowledging twice is refused with a clear message, nothing changes.
    response = sari.post(op_url("acknowledge", escalation), {"ids": escalation.pk}, follow=True)
    assert "already acknowledged" in response.content.decode()


def test_a_supervisor_takes_over_the_ticket(sari, desk, escalation):
    ticket_actions.assign(escalation.ticket, agent=desk.agent, by=desk.agent)
    sari.post(op_url("take_over", escalation), {"ids": escalation.pk})
    escalation.refresh_from_db()
    escalation.ticket.refresh_from_db()
    assert escalation.ticket.assignee == desk.supervisor
    assert escalation.assigned_to == desk.supervisor and escalation.status == EscalationStatus.ACKNOWLEDGED
    assert EscalationLog.objects.filter(escalation=escalation, action="taken_over").exists()


def test_a_supervisor_reassigns_the_ticket_to_an_agent(sari, desk, escalation):
    page = sari.get(op_url("reassign", escalation)).content.decode()
    assert "Bima" in page
    sari.post(op_url("reassign", escalation), {"ids": escalation.pk, "agent": desk.personas.teammate.pk})
    escalation.ticket.refresh_from_db()
    assert escalation.ticket.assignee == desk.personas.teammate
    assert TicketEvent.objects.filter(
        ticket=escalation.ticket, kind="assigned", actor=desk.supervisor
    ).exists()
    assert EscalationLog.objects.get(escalation=escalation, action="reassigned").note == "Bima"


def test_a_supervisor_escalates_to_the_next_level(sari, desk, escalation):
    sari.post(op_url("escalate", escalation), {"ids": escalation.pk, "note": "Butuh keputusan manajer"})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ESCALATED
    child = Escalation.objects.get(parent=escalation)
    assert (child.level, child.assigned_to, child.request_text) == (
        2,
        desk.manager,
        "Butuh keputusan manajer",
    )


def test_a_supervisor_resolves_with_a_written_outcome_emailed_to_the_customer(
    sari, desk, escalation, mailoutbox, django_capture_on_commit_callbacks
):
    form = sari.get(op_url("resolve", escalation))
    assert form.status_code == 200 and 'name="outcome"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = sari.post(
            op_url("resolve", escalation),
            {"ids": escalation.pk, "outcome": "Paket dikirim ulang hari ini.", "resolve_ticket": "on"},
        )
    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome == "Paket dikirim ulang hari ini." and escalation.outcome_sent_at == at(2, 10)
    message = escalation.outcome_message
    assert (message.direction, message.author_user, message.delivery_status) == (
        Direction.OUTBOUND,
        desk.supervisor,
        DeliveryStatus.SENT,
    )
    [mail] = [m for m in mailoutbox if m.to == ["budi@example.test"]]
    assert "Paket dikirim ulang hari ini." in mail.body
    assert escalation.ticket.reference in mail.subject
    escalation.ticket.refresh_from_db()
    assert escalation.ticket.status == Status.RESOLVED
    kinds = list(TicketEvent.objects.filter(ticket=escalation.ticket).values_list("kind", flat=True))
    assert "reply" in kinds and "escalation" in kinds
    assert (
        EscalationLog.objects.get(escalation=escalation, action="resolved").note
        == "Paket dikirim ulang hari ini."
    )


def test_an_outcome_is_required(sari, escalation):
    response = sari.post(op_url("resolve", escalation), {"ids": escalation.pk, "outcome": "  "})
    assert response.status_code == 200 and "required" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_bulk_actions_send_the_chosen_rows_to_the_action_page(sari, desk, escalation):
    other = requests.request_by_customer(ticket_for(desk, sender="rina@example.test"), text="x")
    response = sari.post(
        QUEUE, {"action": "acknowledge_selected", "_selected_action": [escalation.pk, other.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("admin:escalation_escalation_operation", args=["acknowledge"])
    )
    sari.post(response["Location"], {"ids": f"{escalation.pk},{other.pk}"})
    assert set(Escalation.objects.values_list("status", flat=True)) == {EscalationStatus.ACKNOWLEDGED}


def test_the_escalation_page_shows_conversation_sla_history_and_other_escalations(
    sari, desk, escalation, clock
):
    ticket = escalation.ticket
    ticket_actions.add_note(ticket, by=desk.agent, text="Catatan internal: kurir JNE")
    ticket_actions.record_event(
        ticket, TicketEvent.Kind.SLA, after={"kind": "breach", "target": "first_response"}
    )
    hooks.sla_breached(ticket_id=ticket.pk, target="first_response", breach_id=1)
    page = sari.get(change_url(escalation))
    html = page.content.decode()
    assert "Paket belum datang, saya minta supervisor" in html
    assert "Catatan internal: kurir JNE" in html
    assert "first_response" in html and "breach" in html
    assert "SLA breached" in html  # the other escalation of this ticket
    assert "Agen tidak membalas" in html
    assert 'name="_save"' not in html  # nothing is edited directly
    before = Escalation.objects.get(pk=escalation.pk).status
    sari.post(change_url(escalation), {"status": "resolved"})
    assert Escalation.objects.get(pk=escalation.pk).status == before


def test_supervisors_read_rules_and_managers_change_them(client, desk):
    rule = EscalationRule.objects.first()
    url = reverse("admin:escalation_escalationrule_change", args=[rule.pk])
    client.force_login(desk.supervisor)
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "changed"})
    assert response.status_code == 403
    client.force_login(desk.manager)
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()


def test_the_escalation_page_shows_each_sla_clock_with_its_dates(sari, desk, escalation, clock):
    ticket = escalation.ticket
    clocks = list(SlaClock.objects.filter(ticket=ticket).order_by("started_at", "pk"))
    assert clocks, "the seeded SLA policy gives a new ticket its clocks"
    breached = clocks[0]
    SlaClock.objects.filter(pk=breached.pk).update(breached_at=at(2, 11, 17))
    html = sari.get(change_url(escalation)).content.decode()

    def when(value) -> str:  # type: ignore[no-untyped-def]
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")

    row = (
        f'<tr class="sla-breached"><td>{breached.name} ({breached.target})</td>\n'
        f"      <td>{when(breached.started_at)}</td><td>{when(breached.due_at)}</td>"
    )
    assert row in html
    assert f'<strong style="color:#ba2121">{when(at(2, 11, 17))}</strong>' in html
    for other in clocks[1:]:
        assert f"<td>{other.name} ({other.target})</td>" in html
    assert "No SLA clocks." not in html


def test_a_superuser_without_an_agent_profile_acts_as_head_of_support(client, desk, escalation):
    boss = User.objects.create_user("boss", "boss@example.test", "x", is_staff=True, is_superuser=True)
    client.force_login(boss)
    assert client.get(QUEUE).status_code == 200
    client.post(op_url("acknowledge", escalation), {"ids": escalation.pk})
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    page = client.post(op_url("take_over", escalation), {"ids": escalation.pk}, follow=True)
    assert "no agent profile" in page.content.decode()
    client.post(op_url("resolve", escalation), {"ids": escalation.pk, "outcome": "Sudah beres."})
    escalation.refresh_from_db()
    assert (escalation.status, escalation.resolved_by) == (EscalationStatus.RESOLVED, boss)
