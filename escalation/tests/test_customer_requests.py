"""Customers ask for a supervisor (or for mediation of a dispute) through the signed status link."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import formats, timezone, translation

from escalation import actions, requests
from escalation.models import Escalation, Trigger
from escalation.tests.conftest import at, ticket_for
from tests.factories import make_user
from tickets import actions as ticket_actions
from tickets.links import status_token
from tickets.models import Role, Status, Team, TicketEvent

pytestmark = pytest.mark.django_db


def request_url(ticket) -> str:  # type: ignore[no-untyped-def]
    return reverse("escalation_public:request", kwargs={"token": status_token(ticket)})


def local(value: dt.datetime, language: str = "id") -> str:
    with translation.override(language):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def test_a_customer_asks_for_a_supervisor_and_is_told_the_review_deadline_by_email(
    desk, clock, client, mailoutbox, django_capture_on_commit_callbacks
):
    ticket = ticket_for(desk)
    page = client.get(request_url(ticket))
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            request_url(ticket), {"reason": "Sudah seminggu, kartu saya 4111 1111 1111 1111 ditagih dua kali"}
        )
    assert response.status_code == 302 and response["Location"] == request_url(ticket)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.level, escalation.assigned_to) == (
        Trigger.CUSTOMER_REQUEST,
        1,
        desk.supervisor,
    )
    assert escalation.review_due == at(4, 10)
    assert "4111 1111 1111 1111" not in escalation.request_text  # masked before storing
    [ack] = [m for m in mailoutbox if m.to == ["budi@example.test"]]
    assert ticket.reference in ack.subject
    assert local(at(4, 10)) in ack.body  # the customer's language (Indonesian by default)
    escalation.refresh_from_db()
    assert escalation.customer_acknowledged_at == at(2, 10)
    followed = client.get(request_url(ticket))
    assert local(at(4, 10), "en") in followed.content.decode()
    assert 'name="reason"' not in followed.content.decode()  # one open request at a time


def test_a_forged_or_altered_link_is_rejected(desk, clock, client):
    ticket = ticket_for(desk)
    token = status_token(ticket)
    for bad in ("not-a-token", token[:-2] + ("xy" if not token.endswith("xy") else "ab")):
        url = reverse("escalation_public:request", kwargs={"token": bad})
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "tolong"}).status_code == 404
        help_url = reverse("escalation_public:dispute_help", kwargs={"token": bad})
        assert client.post(help_url, {}).status_code == 404
    assert not Escalation.objects.exists()


def test_an_expired_link_is_rejected(desk, client, settings):
    with time_machine.travel(at(2, 10), tick=False):
        ticket = ticket_for(desk)
        url = request_url(ticket)
    with time_machine.travel(
        at(2, 10) + dt.timedelta(days=settings.STATUS_LINK_MAX_AGE_DAYS + 1), tick=False
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "tolong"}).status_code == 404
    assert not Escalation.objects.exists()


def test_an_empty_reason_or_a_second_request_is_refused_with_a_clear_error(desk, clock, client):
    ticket = ticket_for(desk)
    response = client.post(request_url(ticket), {"reason": "   "})
    assert response.status_code == 400
    assert not Escalation.objects.exists()
    requests.request_by_customer(ticket, text="pertama")
    with pytest.raises(actions.ActionError, match="already with a supervisor"):
        requests.request_by_customer(ticket, text="kedua")
    assert Escalation.objects.count() == 1


def test_asking_again_after_an_answer_goes_one_level_up(desk, clock):
    ticket = ticket_for(desk)
    first = requests.request_by_customer(ticket, text="pertama")
    actions.resolve(first, by=desk.supervisor, outcome="Dana dikembalikan dalam 3 hari kerja.")
    appeal = requests.request_by_customer(ticket, text="Belum masuk juga")
    assert (appeal.level, appeal.assigned_to) == (2, desk.manager)
    actions.resolve(appeal, by=desk.manager, outcome="Sudah kami proses manual.")
    final = requests.request_by_customer(ticket, text="Masih belum")
    assert final.level == 3
    actions.resolve(final, by=desk.head, outcome="Keputusan akhir.")
    with pytest.raises(actions.ActionError, match="final"):
        requests.request_by_customer(ticket, text="lagi")


def test_a_closed_ticket_cannot_be_escalated(desk, clock, client):
    ticket = ticket_for(desk)
    ticket_actions.change_status(ticket, status=Status.CLOSED, by=desk.agent)
    response = client.post(request_url(ticket), {"reason": "tolong"})
    assert response.status_code == 400
    assert "closed" in response.content.decode()
    assert not Escalation.objects.exists()


def test_the_status_page_panel_offers_the_request_and_shows_the_outcome(desk, clock):
    ticket = ticket_for(desk)
    template = Template('{% include "escalation/_status_panel.html" with ticket=ticket token=token %}')
    request = RequestFactory().get("/")

    def render() -> str:
        return template.render(Context({"ticket": ticket, "token": status_token(ticket), "request": request}))

    assert request_url(ticket) in render()
    escalation = requests.request_by_customer(ticket, text="tolong")
    assert request_url(ticket) not in render()
    actions.resolve(escalation, by=desk.supervisor, outcome="Kami kirim ulang paketnya besok.")
    html = render()
    assert "Kami kirim ulang paketnya besok." in html
    assert request_url(ticket) in html  # may ask the next level


# --- Disputes: "Minta Bantuan" after the buyer–seller window ------------------------------------------


@pytest.fixture
def mediation(desk):  # type: ignore[no-untyped-def]
    team = Team.objects.create(name="Tim Mediasi", slug="mediation")
    mediator = make_user("maya", role=Role.SUPERVISOR, team=team, is_staff=True, first_name="Maya")
    return team, mediator


def test_a_dispute_can_be_handed_to_mediation_only_after_the_three_day_window(
    desk, mediation, clock, client, mailoutbox, django_capture_on_commit_callbacks
):
    team, mediator = mediation
    ticket = ticket_for(desk, category_slug="dispute", subject="Barang tidak sesuai")
    help_url = reverse("escalation_public:dispute_help", kwargs={"token": status_token(ticket)})
    page = client.get(request_url(ticket)).content.decode()
    assert "/help/" not in page and local(at(5, 10), "en") in page  # offered from Thursday 10:00

    response = client.post(help_url, {"note": "Penjual tidak merespons"})
    assert response.status_code == 400
    assert not Escalation.objects.exists()

    clock.move_to(at(5, 10, 1))
    assert "/help/" in client.get(request_url(ticket)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(help_url, {"note": "Penjual tidak merespons"})
    assert response.status_code == 302
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.team, escalation.assigned_to) == (Trigger.DISPUTE, team, mediator)
    # 3 days for evidence and 5 for the decision, from the "Minta Bantuan" request (as the sla clocks).
    assert escalation.evidence_due == at(8, 10, 1)
    assert escalation.decision_due == at(10, 10, 1)
    ticket.refresh_from_db()
    assert ticket.team == team
    [ack] = [m for m in mailoutbox if m.to == ["budi@example.test"]]
    assert local(at(10, 10, 1)) in ack.body and local(at(8, 10, 1)) in ack.body
    # Asking twice does nothing more.
    assert client.post(help_url, {}).status_code == 400
    assert Escalation.objects.count() == 1


def test_minta_bantuan_is_not_offered_for_other_categories(desk, mediation, clock, client):
    ticket = ticket_for(desk, category_slug="refund")
    clock.move_to(at(9, 10))
    help_url = reverse("escalation_public:dispute_help", kwargs={"token": status_token(ticket)})
    assert "/help/" not in client.get(request_url(ticket)).content.decode()
    assert client.post(help_url, {}).status_code == 400
    assert not Escalation.objects.filter(reason=Trigger.DISPUTE).exists()


def test_without_a_mediation_team_minta_bantuan_stays_with_the_team_and_says_so(desk, clock, settings):
    from escalation.checks import check_mediation_team

    [warning] = check_mediation_team()
    assert warning.id == "escalation.W001" and "mediation" in warning.msg and "Create" in warning.hint
    ticket = ticket_for(desk, category_slug="dispute")
    clock.move_to(at(5, 10, 1))
    escalation = requests.request_dispute_help(ticket, text="Penjual tidak merespons")
    assert (escalation.team, escalation.assigned_to) == (desk.team, desk.supervisor)
    note = ticket.messages.get(direction="note")
    assert "no mediation team" in note.text and "Tim Pembeli" in note.text
    # The request itself is on the timeline as every escalation is.
    event = TicketEvent.objects.get(ticket=ticket, kind="escalation")
    assert event.after["action"] == "created" and event.after["reason"] == "dispute"
    Team.objects.create(name="Tim Mediasi", slug="mediation")
    assert check_mediation_team() == []
