"""Agents' side: escalate a ticket with a reason; everyone's in-app notifications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from escalation import actions, requests
from escalation.forms import AgentEscalationForm
from escalation.models import Notification
from tickets import access
from tickets.views.desk.common import agent_required, render_desk


@login_required
@require_POST
def escalate_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access.access_ticket(request.user, pk)
    form = AgentEscalationForm(request.POST)
    if form.is_valid():
        try:
            escalation = requests.request_by_agent(ticket, by=request.user, text=form.cleaned_data["reason"])
        except actions.ActionError as error:
            messages.error(request, str(error))
        else:
            who = escalation.assigned_to
            messages.success(
                request,
                _("%(ticket)s is escalated to %(who)s.")
                % {
                    "ticket": ticket.reference,
                    "who": (who.get_full_name() or who.get_username())
                    if who
                    else _("the supervisors' queue"),
                },
            )
    else:
        messages.error(request, _("Say why the ticket needs a supervisor."))
    target = form.data.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("escalation:notifications")


@agent_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The list behind the badge, inside the desk layout (its navigation and badge)."""
    user: Any = request.user
    mine = Notification.objects.filter(user=user)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("escalation:notifications")
    page = Paginator(
        mine.select_related(
            "escalation", "escalation__ticket", "escalation__ticket__contact", "escalation__assigned_to"
        ).prefetch_related("escalation__ticket__contact__identities"),
        25,
    ).get_page(request.GET.get("page"))
    return render_desk(
        request,
        "escalation/notifications.html",
        {"page": page, "unread": mine.filter(read_at__isnull=True).count()},
    )
