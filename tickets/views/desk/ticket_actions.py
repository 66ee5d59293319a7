"""The ticket page's forms. Each view validates its form and calls ONE action in tickets.actions.

On success: a message and a redirect to the ticket. On bad input or a refused action (ActionError):
the ticket page again, status 400, with the form's input kept and the reason shown at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tickets import actions
from tickets.access import NotYourTicket, access_ticket, check_can_work_on
from tickets.models import Ticket
from tickets.views.desk import forms, messaging
from tickets.views.desk.common import View, agent_required
from tickets.views.desk.ticket import ticket_page

TicketView = Callable[[HttpRequest, Ticket], HttpResponse]


def ticket_form(view: TicketView) -> View:
    """An agent-only POST view that receives the ticket it may read; ``apply`` checks the change."""

    @agent_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, pk: int) -> HttpResponse:
        return view(request, access_ticket(request.user, pk))

    return wrapper


def apply(
    request: HttpRequest,
    ticket: Ticket,
    name: str,
    form: django_forms.Form,
    perform: Callable[[dict[str, Any]], Any],
    done: str | Promise,
    *,
    change: bool = True,
) -> HttpResponse:
    """Validate ``form`` and ``perform`` the action; ``change=False`` for what any agent who can read
    the ticket may do (internal notes), otherwise tickets.access decides who may change it."""
    status = 400
    try:
        if change:
            check_can_work_on(request.user, ticket)
        if form.is_valid():
            result = perform(form.cleaned_data)
            messages.success(request, str(done))
            target = result if isinstance(result, Ticket) and result.pk != ticket.pk else ticket
            return redirect("desk:ticket", pk=target.pk)
    except NotYourTicket as refused:
        form.is_valid()  # keeps what the agent typed, shown with the reason
        form.add_error(None, str(refused))
        status = 403
    except actions.ActionError as error:
        form.add_error(None, str(error))
    # The action rolled back; show the ticket as it is now.
    return ticket_page(request, access_ticket(request.user, ticket.pk), bound={name: form}, status=status)


@ticket_form
def reply(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.ReplyForm(request.POST, request.FILES)
    return apply(
        request,
        ticket,
        "reply",
        form,
        lambda data: actions.reply(
            ticket,
            by=request.user,
            text=data["text"],
            attachments=data["attachments"],
            status=data["status"] or None,
        ),
        _("Reply queued for sending."),
    )


@ticket_form
def send_template(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = messaging.TemplateForm(request.POST, ticket=ticket)
    return apply(
        request,
        ticket,
        "template",
        form,
        lambda data: actions.send_template(
            ticket, by=request.user, template=data["template"], variables=data["variables"]
        ),
        _("Template queued for sending."),
    )


@ticket_form
def note(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.NoteForm(request.POST, request.FILES)
    return apply(
        request,
        ticket,
        "note",
        form,
        lambda data: actions.add_note(
            ticket, by=request.user, text=data["text"], attachments=data["attachments"]
        ),
        _("Note added."),
        change=False,
    )


@ticket_form
def take(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return apply(
        request,
        ticket,
        "take",
        django_forms.Form(data={}),
        lambda data: actions.assign(ticket, agent=request.user, by=request.user),
        _("The ticket is yours."),
    )


@ticket_form
def assign(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.AssignForm(request.POST)
    return apply(
        request,
        ticket,
        "assign",
        form,
        lambda data: actions.assign(ticket, agent=data["agent"], by=request.user),
        _("Assignee saved."),
    )


@ticket_form
def set_team(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.TeamForm(request.POST)
    return apply(
        request,
        ticket,
        "team",
        form,
        lambda data: actions.set_team(ticket, team=data["team"], by=request.user),
        _("Team saved."),
    )


@ticket_form
def change_status(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.StatusForm(request.POST)
    return apply(
        request,
        ticket,
        "status",
        form,
        lambda data: actions.change_status(
            ticket, status=data["status"], hold_reason=data["hold_reason"], by=request.user
        ),
        _("Status saved."),
    )


@ticket_form
def set_priority(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.PriorityForm(request.POST)
    return apply(
        request,
        ticket,
        "priority",
        form,
        lambda data: actions.set_priority(ticket, priority=data["priority"], by=request.user),
        _("Priority saved."),
    )


@ticket_form
def set_category(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.CategoryForm(request.POST)
    return apply(
        request,
        ticket,
        "category",
        form,
        lambda data: actions.set_category(ticket, category=data["category"], by=request.user),
        _("Category saved."),
    )


@ticket_form
def set_tags(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.TagsForm(request.POST)
    return apply(
        request,
        ticket,
        "tags",
        form,
        lambda data: actions.set_tags(ticket, names=data["tags"], by=request.user),
        _("Tags saved."),
    )


@ticket_form
def set_order_ref(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.OrderForm(request.POST)
    return apply(
        request,
        ticket,
        "order",
        form,
        lambda data: actions.set_order_ref(ticket, order_ref=data["order_ref"], by=request.user),
        _("Order number saved."),
    )


@ticket_form
def merge(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.MergeForm(request.POST)
    return apply(
        request,
        ticket,
        "merge",
        form,
        lambda data: actions.merge(ticket, into=_changeable(request, data["into"]), by=request.user),
        _("Tickets merged."),
    )


@ticket_form
def merge_contact(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    form = forms.MergeContactForm(request.POST)
    return apply(
        request,
        ticket,
        "merge_contact",
        form,
        lambda data: actions.merge_contacts(data["address"], into=ticket.contact, by=request.user),
        _("Contacts merged."),
    )


def _changeable(request: HttpRequest, ticket: Ticket) -> Ticket:
    check_can_work_on(request.user, ticket)
    return ticket
