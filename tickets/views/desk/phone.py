"""An agent logs a customer's phone call as a new ticket (the same path as every inbound message)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tickets import actions
from tickets.views.desk.common import agent_required, render_desk
from tickets.views.desk.forms import PhoneTicketForm


@agent_required
def new_phone_ticket(request: HttpRequest) -> HttpResponse:
    form = PhoneTicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            received = actions.log_phone_call(
                by=request.user,
                phone=data["phone"],
                name=data["name"],
                email=data["email"],
                subject=data["subject"],
                text=data["text"],
                category_slug=data["category"].slug if data["category"] else "",
                order_ref=data["order_ref"],
                requester_role=data["requester_role"],
            )
        except (actions.ActionError, ValidationError) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
        else:
            ticket = received.ticket
            messages.success(request, _("Phone call logged on %(ticket)s.") % {"ticket": ticket.reference})
            return redirect("desk:ticket", pk=ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render_desk(request, "desk/phone.html", {"form": form}, status=status)
