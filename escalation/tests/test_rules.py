"""Each escalation rule, end to end, with a frozen clock."""

from __future__ import annotations

import pytest

from escalation import hooks
from escalation.models import Escalation, EscalationRule, EscalationStatus, Notification, Trigger
from escalation.tests.conftest import at, ticket_for
from sla import sweeper as sla_sweeper
from tests.factories import inbound
from tickets import actions
from tickets.models import Category, Priority, Status, TicketEvent

pytestmark = pytest.mark.django_db


def test_a_card_fraud_ticket_is_escalated_the_moment_it_arrives(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_for(desk, category_slug="card-fraud", subject="Transaksi tidak dikenal")
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.level, escalation.reason, escalation.status) == (
        1,
        Trigger.SECURITY,
        EscalationStatus.OPEN,
    )
    assert escalation.assigned_to == desk.supervisor
    assert escalation.created_at == at(2, 10)
    assert escalation.review_due == at(4, 10)  # two working days
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    event = ticket.events.filter(kind=TicketEvent.Kind.ESCALATION).get()
    assert event.after["action"] == "created" and event.after["supervisor"] == "sari"
    assert Notification.objects.filter(user=desk.supervisor, escalation=escalation, kind="assigned").exists()
    [mail] = [m for m in mailoutbox if m.to == [desk.supervisor.email]]
    assert ticket.reference in mail.subject
    assert f"/admin/escalation/escalation/{escalation.pk}/change/" in mail.body


def test_an_otp_phishing_category_set_later_escalates_once(desk, clock):
    ticket = ticket_for(desk)
    assert not Escalation.objects.exists()
    phishing = Category.objects.get(slug="phishing")
    actions.set_category(ticket, category=phishing, by=desk.agent)
    actions.set_priority(
        ticket, priority=Priority.LOW, by=desk.agent
    )  # any later change: no second escalation
    actions.add_note(ticket, by=desk.agent, text="cek")
    assert Escalation.objects.filter(ticket=ticket, reason=Trigger.SECURITY).count() == 1


def test_a_first_response_breach_found_by_the_sla_sweeper_escalates_the_ticket(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_for(desk)  # email: first response due in 2 business hours, at 12:00
    clock.move_to(at(2, 11, 30))
    assert sla_sweeper.sweep().warned == 1  # the warning rule is off: nothing escalates
    assert not Escalation.objects.exists()
    clock.move_to(at(2, 12, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweeper.sweep().breached == 1
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.target, escalation.level) == (
        Trigger.SLA_BREACH,
        "first_response",
        1,
    )
    assert escalation.assigned_to == desk.supervisor
    assert escalation.review_due == at(4, 12, 1)
    assert any(m.to == [desk.supervisor.email] for m in mailoutbox)
    assert sla_sweeper.sweep().breached == 0
    assert Escalation.objects.count() == 1


def test_an_sla_breach_escalates_once_however_often_it_is_reported(desk, clock):
    ticket = ticket_for(desk)
    hooks.sla_breached(ticket_id=ticket.pk, target="first_response", breach_id=1)
    hooks.sla_breached(ticket_id=ticket.pk, target="first_response", breach_id=1)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.target, escalation.level) == (
        Trigger.SLA_BREACH,
        "first_response",
        1,
    )
    assert escalation.rule.name == "First response breached"
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    # A different target is a different case.
    hooks.sla_breached(ticket_id=ticket.pk, target="resolution", breach_id=2)
    assert sorted(Escalation.objects.values_list("target", flat=True)) == ["first_response", "resolution"]


def test_an_sla_breach_on_a_closed_ticket_escalates_nothing(desk, clock):
    ticket = ticket_for(desk)
    actions.change_status(ticket, status=Status.CLOSED, by=desk.agent)
    hooks.sla_breached(ticket_id=ticket.pk, target="resolution", breach_id=3)
    hooks.sla_breached(ticket_id=999_999, target="resolution", breach_id=4)
    assert not Escalation.objects.exists()


def test_an_sla_warning_escalates_only_when_its_rule_is_switched_on(desk, clock):
    ticket = ticket_for(desk)
    hooks.sla_warning(ticket_id=ticket.pk, target="resolution", warning_id=1)
    assert not Escalation.objects.exists()
    EscalationRule.objects.filter(trigger=Trigger.SLA_WARNING).update(
        active=True, sla_target="resolution", level=2
    )
    hooks.sla_warning(ticket_id=ticket.pk, target="first_response", warning_id=2)
    assert not Escalation.objects.exists()
    hooks.sla_warning(ticket_id=ticket.pk, target="resolution", warning_id=3)
    escalation = Escalation.objects.get()
    assert (escalation.reason, escalation.level, escalation.assigned_to) == (
        Trigger.SLA_WARNING,
        2,
        desk.manager,
    )


def test_the_third_reopening_escalates(desk, clock):
    ticket = ticket_for(desk)
    first_id = ticket.messages.first().external_id
    for round_ in range(1, 4):
        actions.change_status(ticket, status=Status.RESOLVED, by=desk.agent)
        actions.receive_message(inbound(f"Masih bermasalah ({round_})", references=(first_id,)))
        ticket.refresh_from_db()
        assert ticket.reopen_count == round_
        expected = 1 if round_ >= 3 else 0
        assert Escalation.objects.filter(ticket=ticket, reason=Trigger.REOPENED).count() == expected
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.assigned_to == desk.supervisor
    assert ticket.priority == Priority.HIGH


def test_a_rule_can_reassign_the_ticket_and_tell_the_whole_level(desk, clock):
    other = desk.personas.teammate
    other.agent.role = "supervisor"
    other.agent.save(update_fields=["role"])
    EscalationRule.objects.filter(name="First response breached").update(reassign=True, notify="level")
    ticket = ticket_for(desk)
    actions.assign(ticket, agent=desk.agent, by=desk.agent)
    hooks.sla_breached(ticket_id=ticket.pk, target="first_response", breach_id=5)
    escalation = Escalation.objects.get()
    ticket.refresh_from_db()
    assert ticket.assignee == escalation.assigned_to
    kinds = dict(Notification.objects.values_list("user__username", "kind"))
    supervisor_names = {"sari", "bima"}
    assert {escalation.assigned_to.username: "assigned"}.items() <= kinds.items()
    assert kinds[(supervisor_names - {escalation.assigned_to.username}).pop()] == "level"
    assert kinds["alice"] == "agent"  # the ticket's agent hears their ticket was escalated
