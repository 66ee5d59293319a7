"""The signed status page: one ticket's conversation, a reply form and its attachments, by token only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sla.queries import customer_wait_until
from tickets import actions
from tickets.forms.public import ReplyForm
from tickets.inbound import InboundMessage, SenderIdentity
from tickets.links import status_url, ticket_for_token
from tickets.models import Attachment, Channel, Contact, Direction, IdentityKind, Message, Status, Ticket
from tickets.views.public import count_accepted, invalid_link, over_rate_limit, public_page

# What each status means to the customer (agents' labels such as "On hold" mean little to them).
CUSTOMER_STATUS = {
    Status.NEW: (
        gettext_lazy("Received"),
        gettext_lazy("We have your message. A team member will pick it up soon."),
    ),
    Status.OPEN: (gettext_lazy("In progress"), gettext_lazy("Our team is working on your request.")),
    Status.PENDING: (
        gettext_lazy("Waiting for your reply"),
        gettext_lazy("We asked you something: please answer below so we can continue."),
    ),
    Status.ON_HOLD: (
        gettext_lazy("In progress"),
        gettext_lazy(
            "We are waiting for a partner (courier, seller or payment provider) and will update you."
        ),
    ),
    Status.RESOLVED: (
        gettext_lazy("Resolved"),
        gettext_lazy("We think this is solved. Still need help? Reply below and we will reopen it."),
    ),
    Status.CLOSED: (
        gettext_lazy("Closed"),
        gettext_lazy("This request is closed. If you write below, we open a new request linked to this one."),
    ),
}


# No CSRF check: the page is served with "Referrer-Policy: no-referrer", so browsers post its forms
# with "Origin: null" and no Referer, which the check must refuse. The signed token in the URL does
# the check's job: a forged cross-site post would need the token, and whoever has it can reply anyway.
@csrf_exempt
@public_page(secret_url=True)
@require_http_methods(["GET", "HEAD", "POST"])
def status(request: HttpRequest, token: str) -> HttpResponse:
    ticket = ticket_for_token(token)
    if ticket is None:
        return invalid_link(request)
    if request.method != "POST":
        return _status_page(request, token, ticket, ReplyForm())
    form = ReplyForm(request.POST, request.FILES)
    if over_rate_limit(request, "status-reply"):
        return _status_page(request, token, ticket, form, limited=True, status=429)
    if not form.is_valid():
        return _status_page(request, token, ticket, form)
    try:
        received = actions.receive_message(reply_message(ticket, form))
    except ValidationError as error:
        form.add_error(None, error)
        return _status_page(request, token, ticket, form)
    if received.duplicate and received.message.metadata.get("fingerprint") != form.fingerprint():
        form.renew_submission(
            _("This form was already sent once. Please check your message and send it again.")
        )
        return _status_page(request, token, ticket, form)
    count_accepted(request, "status-reply")
    if received.ticket.pk != shown_ticket(ticket).pk:
        messages.success(
            request,
            _("Your earlier request was closed, so we opened a new one: %(reference)s.")
            % {"reference": received.ticket.reference},
        )
        return redirect(status_url(received.ticket, absolute=False))
    messages.success(request, _("Thank you, we added your message. We will answer here and by email."))
    return redirect(request.path)


def reply_message(ticket: Ticket, form: ReplyForm) -> InboundMessage:
    """The customer's reply, from the address the ticket's contact is known by (their email first)."""
    identity = _reply_identity(ticket.contact)
    return InboundMessage(
        channel=Channel.WEB,
        external_id=f"status-reply:{form.cleaned_data['submission']}",
        sender=identity,
        ticket_id=ticket.pk,
        subject=ticket.subject,
        text=form.cleaned_data["text"],
        attachments=form.cleaned_data["attachments"],
        metadata={"source": "status_page", "fingerprint": form.fingerprint()},
    )


def _reply_identity(contact: Contact) -> SenderIdentity:
    identities = list(contact.identities.all())
    if not identities:
        raise ValidationError(_("We cannot take replies on this request here; please contact us again."))
    chosen = next((i for i in identities if i.kind == IdentityKind.EMAIL), identities[0])
    return SenderIdentity(kind=chosen.kind, address=chosen.address, name=contact.name)


def shown_ticket(ticket: Ticket) -> Ticket:
    """The ticket whose conversation the token's holder sees: merged tickets show the ticket they were
    merged into, as long as the customer is a party to it (its contact or a participant)."""
    current = ticket
    seen = {ticket.pk}
    while current.merged_into_id is not None and current.merged_into_id not in seen:
        target = Ticket.objects.select_related("contact", "category").get(pk=current.merged_into_id)
        is_party = (
            target.contact_id == ticket.contact_id
            or target.participants.filter(pk=ticket.contact_id).exists()
        )
        if not is_party:
            break
        seen.add(target.pk)
        current = target
    return current


def _conversation(ticket: Ticket) -> QuerySet[Message]:
    return (
        ticket.messages.exclude(direction=Direction.NOTE)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
    )


def _status_page(
    request: HttpRequest,
    token: str,
    ticket: Ticket,
    form: ReplyForm,
    *,
    limited: bool = False,
    status: int = 200,
) -> HttpResponse:
    shown = shown_ticket(ticket)
    label, status_text = CUSTOMER_STATUS[Status(shown.status)]
    explanation = str(status_text)
    wait_until = customer_wait_until(shown) if shown.is_open else None
    if wait_until is not None:
        explanation = _(
            "Payments can take up to 15 minutes to be confirmed: please wait until %(time)s. If your order "
            "is still pending then, our team takes over."
        ) % {"time": formats.time_format(timezone.localtime(wait_until), "H:i")}
    follow_up = (
        shown.follow_ups.filter(contact_id=shown.contact_id).order_by("-created_at").first()
        if shown.status == Status.CLOSED
        else None
    )
    context = {
        "token": token,
        "ticket": shown,
        "merged_from": ticket if shown.pk != ticket.pk else None,
        "status_label": label,
        "status_explanation": explanation,
        "conversation": _conversation(shown),
        "customer_id": ticket.contact_id,
        "follow_up": follow_up,
        "follow_up_path": status_url(follow_up, absolute=False) if follow_up else "",
        "form": form,
        "limited": limited,
    }
    return render(request, "tickets/public/status.html", context, status=status)


@public_page(secret_url=True)
@require_http_methods(["GET", "HEAD"])
def attachment(request: HttpRequest, token: str, pk: int) -> HttpResponseBase:
    """A file from the conversation, only through the token of its ticket (never by its id alone)."""
    ticket = ticket_for_token(token)
    if ticket is None:
        return invalid_link(request)
    found = (
        Attachment.objects.filter(pk=pk, message__ticket=shown_ticket(ticket))
        .exclude(message__direction=Direction.NOTE)
        .first()
    )
    if found is None:
        return invalid_link(request)
    # Always a download: a file a customer or agent sent is never rendered as a page of ours.
    return FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.filename, content_type=found.content_type
    )
