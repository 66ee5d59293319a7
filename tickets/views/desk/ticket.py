"""The ticket page: header, conversation, composer, properties, contact panel and timeline."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from tickets import canned
from tickets.access import access_ticket, can_work_on
from tickets.models import Channel, HoldReason, Status, Ticket
from tickets.views.desk import forms, messaging
from tickets.views.desk.common import agent_required, render_desk

OTHER_TICKETS_SHOWN = 15


@agent_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return ticket_page(request, access_ticket(request.user, pk))


def ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: dict[str, django_forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, with ``bound`` forms (those that failed) shown with their input and errors."""
    bound = bound or {}
    contact = ticket.contact
    errors = [_error_text(form, field, error) for form in bound.values() for field, error in _errors(form)]
    context: dict[str, Any] = {
        **head_context(ticket, bound, user=request.user),
        **conversation_context(ticket),
        **timeline_context(ticket),
        "errors": errors,
        "identities": contact.identities.all(),
        "participants": ticket.participants.prefetch_related("identities"),
        "other_tickets": Ticket.objects.filter(contact=contact)
        .exclude(pk=ticket.pk)
        .select_related("category")
        .order_by("-updated_at")[:OTHER_TICKETS_SHOWN],
        "canned_replies": canned.replies_for(ticket, request.user),
        **messaging.composer_context(ticket, bound.get("template")),
    }
    return render_desk(request, "desk/ticket.html", context, status=status)


# The parts of the page (tickets.views.desk.parts renders them alone for live.js) -------------------
def head_context(
    ticket: Ticket, bound: dict[str, django_forms.Form] | None = None, *, user: Any
) -> dict[str, Any]:
    """The header and the properties: the forms, with ``bound`` ones (those that failed) as they were;
    what ``user`` may change (a read-only notice otherwise)."""
    forms_: dict[str, django_forms.Form] = {
        "reply": forms.ReplyForm(),
        "note": forms.NoteForm(),
        "assign": forms.AssignForm(initial={"agent": ticket.assignee_id}),
        "team": forms.TeamForm(initial={"team": ticket.team_id}),
        "status": forms.StatusForm(initial={"status": ticket.status, "hold_reason": ticket.hold_reason}),
        "priority": forms.PriorityForm(initial={"priority": ticket.priority}),
        "category": forms.CategoryForm(initial={"category": ticket.category_id}),
        "tags": forms.TagsForm(initial={"tags": ", ".join(tag.name for tag in ticket.tags.all())}),
        "order": forms.OrderForm(initial={"order_ref": ticket.order_ref}),
        "merge": forms.MergeForm(),
        "merge_contact": forms.MergeContactForm(),
        **(bound or {}),
    }
    return {
        "ticket": ticket,
        "forms": forms_,
        "can_change": can_work_on(user, ticket),
        "status_choices": [
            (value, label, value == ticket.status or ticket.can_move_to(value))
            for value, label in Status.choices
        ],
        "hold_reasons": [choice for choice in HoldReason.choices if choice[0]],
    }


def conversation_context(ticket: Ticket) -> dict[str, Any]:
    conversation = list(
        ticket.messages.select_related("author_user", "author_contact").prefetch_related("attachments")
    )
    return {
        "ticket": ticket,
        "conversation": conversation,
        "last_message_id": max((message.pk for message in conversation), default=0),
        # A chat ticket shows whether the visitor is still there (the chat's newest session).
        "chat": ticket.chat_sessions.order_by("-created_at").first()
        if ticket.channel == Channel.CHAT
        else None,
    }


def timeline_context(ticket: Ticket, *, after: int = 0) -> dict[str, Any]:
    """The timeline, newest first; ``after``: only the entries after that one (for live.js)."""
    events = list(ticket.events.filter(pk__gt=after).select_related("actor").order_by("-created_at", "-pk"))
    return {
        "ticket": ticket,
        "contact": ticket.contact,
        "events": events,
        "last_event_id": max((event.pk for event in events), default=after),
    }


@agent_required
def canned_reply(request: HttpRequest, pk: int, reply_pk: int) -> JsonResponse:
    """A canned reply's text with this ticket's values filled in, for the reply box's picker."""
    ticket = access_ticket(request.user, pk)
    reply = get_object_or_404(canned.replies_for(ticket, request.user), pk=reply_pk)
    filled = canned.fill(reply, ticket=ticket)
    return JsonResponse(
        {"title": reply.title, "language": reply.language, "text": filled.text, "missing": filled.missing}
    )


def _errors(form: django_forms.Form) -> list[tuple[str, str]]:
    return [(field, str(error)) for field, errors in form.errors.items() for error in errors]


def _error_text(form: django_forms.Form, field: str, error: str) -> str:
    if field == NON_FIELD_ERRORS or field not in form.fields:
        return error
    return f"{form.fields[field].label}: {error}"
