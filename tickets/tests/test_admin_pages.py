"""Every admin page renders; who reaches the admin; the Supervisors group and the demo staff in it."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from channels_intake.models import InboundEvent
from tests.factories import customer_ticket
from tickets import actions
from tickets.access import SUPERVISORS_GROUP
from tickets.inbound import InboundAttachment
from tickets.models import CannedReply, Category

pytestmark = pytest.mark.django_db

REGISTERED = sorted(model._meta.label for model in admin.site._registry)
# Supervisors work the desk data; channel accounts (tokens, secrets) are for administrators only.
SUPERVISED = [
    label for label in REGISTERED if label.startswith("tickets.") or label == "channels_intake.InboundEvent"
]


def english(user: User | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def supervisor_in_group(personas) -> User:
    personas.supervisor.groups.add(Group.objects.get(name=SUPERVISORS_GROUP))
    return personas.supervisor


@pytest.fixture
def one_of_each(personas, receipt_png):
    """At least one row of every model the admin shows."""
    ticket = customer_ticket(
        "Ini bukti transfernya",
        attachments=(InboundAttachment(filename="bukti.png", content=receipt_png),),
        category_slug="payment",
    )
    actions.reply(ticket, by=personas.agent, text="Kami cek dulu ya.")
    actions.add_note(ticket, by=personas.agent, text="Cek ke finance.")
    actions.set_tags(ticket, names=["finance"], by=personas.agent)
    actions.assign(ticket, agent=personas.agent, by=personas.supervisor)
    CannedReply.objects.create(title="Salam", body="Halo {{ name }}", team=personas.team)
    InboundEvent.objects.create(
        channel="whatsapp",
        account="6281100000000",
        source="webhook",
        body=json.dumps(
            {"entry": [{"changes": [{"value": {"messages": [{"text": {"body": "halo"}}]}}]}]}
        ).encode(),
        headers={"Content-Type": "application/json"},
        ticket_ids=[ticket.pk],
    )
    Token.objects.create(user=personas.agent)
    _channel_accounts(personas)
    _sla_records(personas, ticket)
    _escalation_records(personas, ticket)
    _email_records(ticket)
    _chat_records(personas, ticket)
    return ticket


def _chat_records(personas, ticket) -> None:
    from channels_intake.chat.models import ChatSession, ChatWidget

    widget = ChatWidget.objects.create(name="Toko web", team=personas.team)
    ChatSession.objects.create(widget=widget, visitor_id="visitor-1", ticket=ticket, name="Budi")


def _email_records(ticket) -> None:
    from channels_intake.email.models import EmailAddressStatus, Mailbox, SentEmail

    Mailbox.objects.create(
        name="CS inbox", host="imap.example.test", username="cs@example.test", password="app-pass"
    )
    SentEmail.objects.create(
        ticket=ticket, kind="ack", recipient="budi@example.test", rfc_message_id="<sd.1.ack@example.test>"
    )
    EmailAddressStatus.objects.create(address="bounced@example.test", bounce_count=1)


def _escalation_records(personas, ticket) -> None:
    from django.db import transaction

    from escalation.models import LevelRoster
    from escalation.requests import request_by_agent

    with transaction.atomic():
        request_by_agent(ticket, by=personas.agent, text="Pelanggan minta supervisor")
    LevelRoster.objects.create(team=personas.team, level=1).members.add(personas.supervisor)


def _sla_records(personas, ticket) -> None:
    from django.utils import timezone

    from sla.models import BusinessCalendar, SlaBreach, SlaWarning, TeamCalendar

    TeamCalendar.objects.create(team=personas.team, calendar=BusinessCalendar.objects.order_by("pk").first())
    for record in (SlaWarning, SlaBreach):
        record.objects.create(
            ticket=ticket, target="first_response", name="First response", cycle=1, due_at=timezone.now()
        )


def _channel_accounts(personas) -> None:
    from channels_intake.accounts import MetaPage, WhatsAppNumber, WhatsAppTemplate, XAccount
    from channels_intake.statuses import PendingStatus

    secrets = {"access_token": "token", "app_secret": "secret", "verify_token": "verify"}
    number = WhatsAppNumber.objects.create(
        name="CS WhatsApp", slug="cs-wa", team=personas.team, phone_number_id="1098765", **secrets
    )
    MetaPage.objects.create(
        name="Toko IG", slug="toko-ig", channel="instagram", account_id="17841", **secrets
    )
    XAccount.objects.create(
        name="Toko X", slug="toko-x", user_id="4455", consumer_key="ck", consumer_secret="cs",
        access_token="at", access_token_secret="ats",
    )  # fmt: skip
    WhatsAppTemplate.objects.create(number=number, name="order_update", language="id", body="Halo {{1}}")
    PendingStatus.objects.create(channel="whatsapp", external_id="wamid.early", status="delivered")


def admin_url(label: str, view: str, *args: object) -> str:
    app_label, model_name = label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _first(label: str):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    row = model._default_manager.order_by("pk").first()
    assert row is not None, f"the fixture made no {label}"
    return row


@pytest.mark.parametrize("label", REGISTERED)
def test_every_admin_page_renders_for_a_superuser(personas, one_of_each, label):
    client = english(personas.admin)
    assert client.get(admin_url(label, "changelist")).status_code == 200
    assert client.get(admin_url(label, "changelist"), {"q": "a"}).status_code == 200  # search fields work
    row = _first(label)
    assert client.get(admin_url(label, "change", row.pk)).status_code == 200
    request = RequestFactory().get("/")
    request.user = personas.admin
    if admin.site._registry[type(row)].has_add_permission(request):
        assert client.get(admin_url(label, "add")).status_code == 200


@pytest.mark.parametrize("label", SUPERVISED)
def test_every_ticket_admin_page_renders_for_a_supervisor(personas, one_of_each, label):
    client = english(supervisor_in_group(personas))
    assert client.get(admin_url(label, "changelist")).status_code == 200
    assert client.get(admin_url(label, "change", _first(label).pk)).status_code == 200


def test_a_supervisor_does_not_manage_users_tokens_or_channel_accounts(personas):
    client = english(supervisor_in_group(personas))
    assert client.get(admin_url("channels_intake.WhatsAppNumber", "changelist")).status_code == 403
    assert client.get(admin_url("auth.User", "changelist")).status_code == 403
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 403


def test_an_agent_without_staff_status_is_sent_to_the_admin_login(personas):
    response = english(personas.agent).get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = english(personas.agent).get(admin_url("tickets.Ticket", "changelist"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_supervisors_group_can_view_everything_and_edit_the_desk_data(personas):
    perms = set(Group.objects.get(name=SUPERVISORS_GROUP).permissions.values_list("codename", flat=True))
    for model in ["ticket", "message", "attachment", "ticketevent", "contact", "inboundevent", "cannedreply"]:
        assert f"view_{model}" in perms
    assert {"change_ticket", "change_contact", "add_cannedreply", "change_category"} <= perms
    assert not {"add_ticketevent", "change_ticketevent", "delete_ticketevent", "delete_ticket"} & perms


def test_the_demo_supervisor_and_manager_are_in_the_supervisors_group(db):
    call_command("seed_demo", stdout=io.StringIO())
    members = set(Group.objects.get(name=SUPERVISORS_GROUP).user_set.values_list("username", flat=True))
    assert members == {"supervisor", "manager"}
    manager = User.objects.get(username="manager")
    assert manager.has_perm("tickets.change_ticket") and manager.has_perm("tickets.view_ticketevent")
    assert not User.objects.get(username="agent").is_staff


def test_the_inbound_event_page_shows_the_raw_body_as_text(personas, one_of_each):
    event = InboundEvent.objects.get()
    page = english(personas.admin).get(admin_url("channels_intake.InboundEvent", "change", event.pk))
    html = page.content.decode()
    assert "&quot;body&quot;: &quot;halo&quot;" in html
    assert f"#SD-{one_of_each.pk}" in html


def test_a_binary_inbound_body_is_shown_as_its_size_and_a_hex_preview(personas):
    event = InboundEvent.objects.create(channel="email", source="imap", body=b"\xff\xfe\x00binary")
    html = english(personas.admin).get(admin_url("channels_intake.InboundEvent", "change", event.pk)).content
    assert b"(binary, 9 bytes) ff fe 00" in html


def test_a_supervisor_adds_a_canned_reply(personas):
    client = english(supervisor_in_group(personas))
    category = Category.objects.get(slug="refund")
    response = client.post(
        admin_url("tickets.CannedReply", "add"),
        {
            "title": "Refund diproses",
            "language": "id",
            "body": "Halo {{ name }}, refund diproses.",
            "category": category.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CannedReply.objects.get(title="Refund diproses").category == category
