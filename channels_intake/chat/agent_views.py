"""The agent side of live updates: small server-rendered fragments that static/desk/live.js re-fetches
when a ticket changes, presence, and a minimal chat page for answering chats.

Fragments (agents only; each root element carries the data-live-* attributes live.js swaps by):
    fragments/inbox/?scope=all|mine|team:<id>[&channel=chat]   list of open tickets
    fragments/tickets/<id>/row/                                one list row
    fragments/tickets/<id>/conversation/                       a ticket's messages and notes
    fragments/presence/                                        agents' status (supervisors only)
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from channels_intake.chat import presence
from tickets import access, actions
from tickets.models import OPEN_STATUSES, Attachment, Channel, Ticket

INBOX_LIMIT = 50


def _agent(request: HttpRequest) -> None:
    if not access.is_agent(request.user):
        raise PermissionDenied


def _inbox(request: HttpRequest, *, channel: str = "") -> dict[str, object]:
    scope = request.GET.get("scope", "all")
    tickets = access.visible_tickets(request.user).filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
    if scope == "mine":
        tickets = tickets.filter(assignee=request.user)
    elif scope.startswith("team:") and scope[5:].isdigit():
        tickets = tickets.filter(team_id=int(scope[5:]))
    else:
        scope = "all"
    channel = request.GET.get("channel", channel)
    if channel in Channel.values:
        tickets = tickets.filter(channel=channel)
    query = f"scope={scope}" + (f"&channel={channel}" if channel in Channel.values else "")
    return {
        "tickets": tickets.for_list().order_by("-updated_at", "-pk")[:INBOX_LIMIT],
        "scope": scope,
        "src": f"{reverse('chat:agent-inbox')}?{query}",
    }


@login_required
@require_GET
def inbox_fragment(request: HttpRequest) -> HttpResponse:
    _agent(request)
    return render(request, "chat/agent/_inbox.html", _inbox(request))


@login_required
@require_GET
def row_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.access_ticket(request.user, pk)
    return render(request, "chat/agent/_row.html", {"ticket": ticket})


def _conversation(ticket: Ticket) -> dict[str, object]:
    messages = list(
        ticket.messages.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    session = ticket.chat_sessions.order_by("-created_at").first()
    return {
        "ticket": ticket,
        "conversation": messages,
        "last_message_id": messages[-1].pk if messages else 0,
        "chat": session,
    }


@login_required
@require_GET
def conversation_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.access_ticket(request.user, pk)
    return render(request, "chat/agent/_conversation.html", _conversation(ticket))


@login_required
@require_GET
def presence_fragment(request: HttpRequest) -> HttpResponse:
    if not access.is_supervisor(request.user):
        raise PermissionDenied
    return render(request, "chat/agent/_presence.html", {"rows": presence.board()})


@login_required
@require_GET
def presence_page(request: HttpRequest) -> HttpResponse:
    if not access.is_supervisor(request.user):
        raise PermissionDenied
    return render(request, "chat/agent/presence.html", {"rows": presence.board()})


@login_required
@require_POST
def set_presence(request: HttpRequest) -> HttpResponse:
    """The fallback when the workspace socket is down (live.js posts here)."""
    _agent(request)
    try:
        presence.set_presence(request.user, request.POST.get("status", ""))
    except presence.PresenceError as error:
        return HttpResponse(str(error), status=400)
    return HttpResponse(status=204)


@login_required
@require_GET
def chats(request: HttpRequest) -> HttpResponse:
    """Open chats: the minimal workspace for chat until the desk shows them."""
    _agent(request)
    return render(request, "chat/agent/index.html", _inbox(request, channel=Channel.CHAT))


@login_required
@require_GET
def chat_page(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.access_ticket(request.user, pk)
    return render(
        request, "chat/agent/ticket.html", {**_conversation(ticket), "error": request.GET.get("error")}
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.access_ticket(request.user, pk, change=True)
    target = reverse("chat:agent-ticket", args=[ticket.pk])
    try:
        actions.reply(ticket, by=request.user, text=request.POST.get("text", ""))
    except actions.ActionError as error:
        return render(
            request, "chat/agent/ticket.html", {**_conversation(ticket), "error": str(error)}, status=400
        )
    return HttpResponseRedirect(target, status=303)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    _agent(request)
    item = get_object_or_404(Attachment.objects.select_related("message"), pk=pk)
    access.access_ticket(request.user, item.message.ticket_id)
    response = FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
