"""The customer's side: ask for a supervisor, or for mediation of a dispute, through the signed status link."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from escalation import actions, requests
from escalation.forms import CustomerRequestForm, DisputeHelpForm
from escalation.status import customer_view
from tickets.links import ticket_for_token
from tickets.models import Ticket
from tickets.views.public import public_page


def _ticket(token: str) -> Ticket:
    ticket = ticket_for_token(token)
    if ticket is None:
        raise Http404(_("This link is not valid or has expired."))
    return ticket


# Token-authenticated like the status page (tickets.views.status): these pages are served with
# "Referrer-Policy: no-referrer", so browsers post their forms with "Origin: null", which CSRF protection
# refuses; the signed token in the URL is the credential a forged post would lack.
@csrf_exempt
@public_page(secret_url=True)
@require_http_methods(["GET", "POST"])
def request_escalation(request: HttpRequest, token: str) -> HttpResponse:
    ticket = _ticket(token)
    form = CustomerRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = requests.request_by_customer(ticket, text=form.cleaned_data["reason"])
        except actions.ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Thank you. A supervisor will review your ticket by %(due)s.")
                % {"due": _when(escalation.review_due)},
            )
            return redirect("escalation_public:request", token=token)
    return _page(request, ticket, token, form=form, status=400 if form.errors else 200)


@csrf_exempt
@public_page(secret_url=True)
@require_http_methods(["POST"])
def dispute_help(request: HttpRequest, token: str) -> HttpResponse:
    """ "Minta Bantuan": only offered (and accepted) once the buyer–seller window has run out."""
    ticket = _ticket(token)
    form = DisputeHelpForm(request.POST)
    if form.is_valid():
        try:
            escalation = requests.request_dispute_help(ticket, text=form.cleaned_data["note"])
        except actions.ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Our mediation team has your dispute and will decide by %(due)s.")
                % {"due": _when(escalation.decision_due)},
            )
            return redirect("escalation_public:request", token=token)
    return _page(request, ticket, token, dispute_form=form, status=400)


def _page(
    request: HttpRequest,
    ticket: Ticket,
    token: str,
    *,
    form: CustomerRequestForm | None = None,
    dispute_form: DisputeHelpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "ticket": ticket,
        "token": token,
        "form": form or CustomerRequestForm(),
        "dispute_form": dispute_form or DisputeHelpForm(),
        "escalation_view": customer_view(ticket),
        "review_days": settings.ESCALATION_REVIEW_WORKING_DAYS,
    }
    return render(request, "escalation/public/request.html", context, status=status)


def _when(value: dt.datetime | None) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT") if value else ""
