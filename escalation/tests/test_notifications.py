"""In-app notifications (badge and list), supervisors' mail after commit, the daily digest, agents' requests."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from escalation import actions, requests, tasks
from escalation.models import Digest, Notification, Trigger
from escalation.tests.conftest import at, ticket_for
from tickets.models import AgentProfile

pytestmark = pytest.mark.django_db


def badge(user) -> str:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/desk/")
    request.user = user
    return Template('{% include "escalation/_badge.html" %}').render(Context({"request": request}))


def test_the_badge_counts_unread_notifications_and_the_list_marks_them_read(client, desk, clock):
    assert 'class="badge"' not in badge(desk.supervisor)
    escalation = requests.request_by_customer(ticket_for(desk), text="tolong")
    assert '<span class="badge"' in badge(desk.supervisor) and ">1</span>" in badge(desk.supervisor)
    client.force_login(desk.supervisor)
    page = client.get(reverse("escalation:notifications")).content.decode()
    assert escalation.ticket.reference in page and "Escalation assigned to you" in page
    client.post(reverse("escalation:notifications"))
    assert Notification.objects.get().read_at == at(2, 10)
    assert 'class="badge"' not in badge(desk.supervisor)


def test_only_desk_users_see_notifications(client, desk):
    client.force_login(desk.personas.outsider)
    assert client.get(reverse("escalation:notifications")).status_code == 403
    client.logout()
    assert client.get(reverse("escalation:notifications")).status_code == 302


def test_the_supervisor_is_mailed_after_commit_and_only_once(
    desk, clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalation = requests.request_by_customer(ticket_for(desk), text="tolong")
    assert not [m for m in mailoutbox if m.to == [desk.supervisor.email]]  # nothing before commit
    for callback in callbacks:
        callback()
    notification = Notification.objects.get(user=desk.supervisor, escalation=escalation)
    tasks.email_notification(notification.pk)  # a retried task sends nothing more
    assert len([m for m in mailoutbox if m.to == [desk.supervisor.email]]) == 1
    notification.refresh_from_db()
    assert notification.emailed_at == at(2, 10)


def test_the_daily_digest_lists_each_supervisors_overdue_reviews_once_a_day(desk, clock, mailoutbox):
    first = requests.request_by_customer(ticket_for(desk), text="a")
    second = actions.escalate(ticket_for(desk, sender="rina@example.test"), reason=Trigger.AGENT_REQUEST)
    actions.escalate(ticket_for(desk, sender="joko@example.test"), reason=Trigger.AGENT_REQUEST, level=2)
    mailoutbox.clear()
    clock.move_to(at(5, 8))
    assert tasks.send_daily_digests() == 2  # sari (two overdue) and rudi (one)
    assert tasks.send_daily_digests() == 2  # the beat fired twice: still one mail each
    digests = {m.to[0]: m for m in mailoutbox}
    assert len(mailoutbox) == 2
    body = digests[desk.supervisor.email].body
    assert first.ticket.reference in body and second.ticket.reference in body
    assert Digest.objects.get(user=desk.supervisor).escalation_count == 2
    clock.move_to(at(6, 8))
    tasks.send_daily_digests()
    assert len(mailoutbox) == 4  # a new day, a new digest


def test_an_agent_escalates_a_ticket_with_a_reason_and_sees_who_handles_it(client, desk, clock):
    ticket = ticket_for(desk)
    client.force_login(desk.agent)
    url = reverse("escalation:escalate_ticket", args=[ticket.pk])
    response = client.post(url, {"reason": "Pelanggan marah, minta kompensasi", "next": "/desk/"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    escalation = ticket.escalations.get()
    assert (escalation.reason, escalation.requested_by, escalation.assigned_to) == (
        Trigger.AGENT_REQUEST,
        desk.agent,
        desk.supervisor,
    )
    request = RequestFactory().get("/desk/")
    request.user = desk.agent
    panel = Template('{% include "escalation/_ticket_panel.html" %}').render(
        Context({"ticket": ticket, "request": request})
    )
    assert "Sari" in panel and "L1" in panel
    # An outside link is not followed.
    client.post(url, {"reason": "lagi", "next": "https://evil.example/"})
    assert ticket.escalations.count() == 1


def test_only_agents_may_escalate_a_ticket(client, desk):
    ticket = ticket_for(desk)
    client.force_login(desk.personas.outsider)
    assert (
        client.post(reverse("escalation:escalate_ticket", args=[ticket.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert not ticket.escalations.exists()


def test_the_daily_digest_lists_unassigned_escalations_to_the_teams_supervisors(desk, clock, mailoutbox):
    AgentProfile.objects.filter(user__in=[desk.supervisor, desk.manager, desk.head]).update(
        presence=AgentProfile.Presence.AWAY
    )
    nobody = actions.escalate(ticket_for(desk), reason=Trigger.AGENT_REQUEST)
    assert nobody.assigned_to is None
    AgentProfile.objects.filter(user=desk.supervisor).update(presence=AgentProfile.Presence.OFFLINE)
    mailoutbox.clear()
    clock.move_to(at(3, 8))  # not overdue yet: it is listed because nobody has it
    assert tasks.send_daily_digests() == 1
    [digest] = mailoutbox
    assert digest.to == [desk.supervisor.email]
    # In Indonesian (LANGUAGE_CODE), like every mail to staff.
    assert nobody.ticket.reference in digest.body and "Tidak ada yang sedang bertugas" in digest.body
    assert "1 belum ditugaskan" in digest.subject
    assert Digest.objects.get(user=desk.supervisor).escalation_count == 1


def test_the_notifications_list_is_a_desk_page_with_its_navigation_and_badge(client, desk, clock):
    escalation = requests.request_by_customer(ticket_for(desk), text="tolong")
    client.force_login(desk.supervisor)
    page = client.get(reverse("escalation:notifications")).content.decode()
    assert '<body class="desk">' in page and 'class="sidebar"' in page  # the desk layout
    assert 'class="escalation-badge has-unread"' in page and ">1</span>" in page  # with the badge
    assert reverse("desk:ticket", args=[escalation.ticket.pk]) in page
