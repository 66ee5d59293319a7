"""The contact form: one customer message becomes one InboundMessage for tickets.actions.receive_message."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tickets import actions
from tickets.forms.public import ContactForm
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.links import status_token, status_url, ticket_for_token
from tickets.models import Channel, IdentityKind
from tickets.views.public import count_accepted, invalid_link, over_rate_limit, public_page

log = logging.getLogger(__name__)


@public_page()
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, ContactForm())
    form = ContactForm(request.POST, request.FILES)
    if over_rate_limit(request, "contact-form"):
        return _form_page(request, form, limited=True, status=429)
    if not form.is_valid():
        return _form_page(request, form)
    if form.cleaned_data["website"]:
        # A bot filled in the hidden field: it gets the same kind of page a person would, and no ticket.
        log.info("Contact form honeypot filled in; no ticket opened.")
        count_accepted(request, "contact-form")
        return redirect("tickets:contact_sent")
    try:
        received = actions.receive_message(contact_message(form))
    except ValidationError as error:
        form.add_error("email", error)
        return _form_page(request, form)
    if received.duplicate and received.message.metadata.get("fingerprint") != form.fingerprint():
        form.renew_submission(
            _("This form was already sent once. Please check your message and send it again.")
        )
        return _form_page(request, form)
    count_accepted(request, "contact-form")
    return redirect("tickets:contact_thanks", token=status_token(received.ticket))


def contact_message(form: ContactForm) -> InboundMessage:
    data = form.cleaned_data
    category = data["category"]
    summary = Truncator(" ".join(data["description"].split())).words(8)
    phone = (SenderIdentity(kind=IdentityKind.PHONE, address=data["phone"], name=data["name"]),)
    return InboundMessage(
        channel=Channel.WEB,
        # The form's own random id: sending the same filled-in form twice stores one message.
        external_id=f"contact-form:{data['submission']}",
        sender=SenderIdentity(kind=IdentityKind.EMAIL, address=data["email"], name=data["name"]),
        other_identities=phone if data["phone"] else (),
        subject=f"{category.name}: {summary}",
        text=data["description"],
        attachments=data["attachments"],
        category_slug=category.slug,
        requester_role=data["requester_role"],
        order_ref=data["order_ref"],
        language=get_language() or "",
        metadata={"source": "contact_form", "fingerprint": form.fingerprint()},
    )


def _form_page(
    request: HttpRequest, form: ContactForm, *, limited: bool = False, status: int = 200
) -> HttpResponse:
    return render(request, "tickets/public/contact.html", {"form": form, "limited": limited}, status=status)


@public_page(secret_url=True)
@require_http_methods(["GET", "HEAD"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    ticket = ticket_for_token(token)
    if ticket is None:
        return invalid_link(request)
    context = {"ticket": ticket, "status_path": status_url(ticket, absolute=False)}
    return render(request, "tickets/public/thanks.html", context)


@public_page()
@require_http_methods(["GET", "HEAD"])
def sent(request: HttpRequest) -> HttpResponse:
    """Where a submission that opened no ticket (the honeypot) ends: it looks like any thank-you page."""
    return render(request, "tickets/public/thanks.html", {"ticket": None})
