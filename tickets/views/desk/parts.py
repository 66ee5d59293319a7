"""The parts of a ticket page that static/desk/live.js fetches when the ticket changed.

GET /desk/tickets/<id>/parts/?parts=messages,timeline&after=<message id>&events_after=<event id>
renders only what was asked for (tickets.live.PARTS_BY_KIND says which parts a change touches):
    messages       the messages after ``after``, to append to the conversation (two queries)
    conversation   the whole conversation (a delivery mark, the chat's end, a merge)
    timeline       the timeline entries after ``events_after``, to put on top of the timeline
    head           the header (status, SLA, escalations) and the properties
    nav            the queues and their counts
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tickets import live
from tickets.access import access_ticket
from tickets.views.desk.common import agent_required, nav_context
from tickets.views.desk.ticket import conversation_context, head_context, timeline_context


@require_GET
@agent_required
def ticket_parts(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    wanted = set(request.GET.get("parts", "").split(",")) & set(live.PARTS)
    context: dict[str, Any] = {
        "ticket": ticket,
        "parts": wanted,
        "page_path": reverse("desk:ticket", args=[pk]),
    }
    if "conversation" in wanted:
        context |= conversation_context(ticket)
    elif "messages" in wanted:
        after = _whole_number(request.GET.get("after"))
        messages = list(
            ticket.messages.filter(pk__gt=after)
            .select_related("author_user", "author_contact")
            .prefetch_related("attachments")
            .order_by("pk")
        )
        context |= {"messages": messages, "last_message_id": max([after, *(m.pk for m in messages)])}
    if "timeline" in wanted:
        context |= timeline_context(ticket, after=_whole_number(request.GET.get("events_after")))
    if "head" in wanted:
        context |= head_context(ticket, user=request.user)
    if "nav" in wanted:
        context |= nav_context(request.user)
    return render(request, "desk/_ticket_parts.html", context)


def _whole_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
