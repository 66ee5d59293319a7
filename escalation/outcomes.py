"""What the customer is told, in writing: the acknowledgement of their request and the written outcome.

Our policy promises the outcome "in writing by email". So it goes by email whenever the contact has an
address — also when the ticket was closed meanwhile — and on the ticket's own channel too when that
channel allows it now (a WhatsApp, Messenger or Instagram ticket only within the messaging window, or
WhatsApp as the approved template named by ESCALATION_OUTCOME_TEMPLATE). Whatever did not go out is
said on the ticket in an internal note, and the supervisor is told how to reach the customer.

Every message is an outbound Message made by tickets.actions, so the agent sees what the customer was
told, and is delivered after commit by channels_intake.tasks.deliver_message. The escalation's
``*_sent_at``/``*_acknowledged_at`` stamps are written by record_sent when the delivery task reports the
message sent (tickets.actions.record_delivery → escalation.hooks.message_sent), not when it is queued.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from escalation.models import Escalation
from tickets import actions as ticket_actions
from tickets.actions import ActionError
from tickets.models import Channel, Message, Status, Ticket
from tickets.notifications import ACKNOWLEDGED_CHANNELS as EMAIL_ANSWERED

log = logging.getLogger(__name__)
WHATSAPP_VARIABLE_LIMIT = 1024  # Meta's limit for one template parameter


def acknowledge_customer(escalation: Escalation) -> Message | None:
    """Email the customer that a supervisor has their request, and by when they answer. None: no address
    (the status page shows the same deadline). Call inside the request's transaction."""
    ticket = escalation.ticket
    if not ticket.contact.email:
        return None
    with _customer_language(ticket):
        subject = _("[%(reference)s] Your request for a supervisor was received") % {
            "reference": ticket.reference
        }
        text = render_to_string(
            "escalation/email/customer_acknowledgement.txt", {"escalation": escalation, "ticket": ticket}
        )
    message = ticket_actions.email_customer(ticket, by=None, text=text, subject=subject, automatic=True)
    escalation.acknowledgement_message = message
    escalation.save(update_fields=["acknowledgement_message"])
    return message


def deliver(
    escalation: Escalation, ticket: Ticket, *, by: Any, outcome: str, resolve_ticket: bool
) -> list[str]:
    """Send the written outcome on every way the customer can be reached; returns the fields it set.

    ``ticket`` is the escalation's ticket, or the one it was merged into. Precondition: inside resolve's
    transaction, holding the escalation's row lock, with ticket changes marked as the escalation's own.
    """
    channel_message: Message | None = None
    refused = ""
    wanted = (
        Status.RESOLVED if resolve_ticket and ticket.status not in (Status.RESOLVED, Status.CLOSED) else None
    )
    if ticket.status == Status.CLOSED:
        refused = _("the ticket is closed.")
    elif ticket.channel in EMAIL_ANSWERED and not ticket.contact.email:
        refused = _("answers on this channel go by email.")
    else:
        try:
            channel_message = ticket_actions.reply(
                ticket, by=by, text=_outcome_text(escalation, outcome), status=wanted
            )
        except ActionError as error:  # the channel refuses (e.g. the 24-hour window closed)
            channel_message = _send_template(ticket, by=by, outcome=outcome)
            refused = "" if channel_message is not None else str(error)
    if wanted is not None and channel_message is None:
        ticket_actions.change_status(ticket, status=wanted, by=by)
    email: Message | None = None
    if ticket.contact.email and (channel_message is None or ticket.channel not in EMAIL_ANSWERED):
        with _customer_language(ticket):
            subject = _("[%(reference)s] The outcome of your escalation") % {"reference": ticket.reference}
            text = render_to_string(
                "escalation/email/outcome_copy.txt",
                {
                    "escalation": escalation,
                    "ticket": ticket,
                    "outcome": outcome,
                    "also_on_channel": channel_message is not None,
                },
            )
        email = ticket_actions.email_customer(ticket, by=by, text=text, subject=subject)
    if refused and not (email is not None and ticket.channel in EMAIL_ANSWERED):
        ticket_actions.add_note(ticket, by=by, text=_note(ticket, refused, email, outcome))
    escalation.outcome_message = channel_message
    escalation.outcome_email = email
    escalation.outcome_channel_note = refused
    return ["outcome_message", "outcome_email", "outcome_channel_note"]


def supervisor_notice(escalation: Escalation) -> str:
    """What the supervisor must know after resolving: '' when the outcome went out on the channel."""
    if not escalation.outcome_channel_note:
        return ""
    ticket = escalation.ticket
    if escalation.outcome_email_id is not None:
        if ticket.channel in EMAIL_ANSWERED:
            return ""
        return _("The outcome was emailed to the customer; it was not sent on %(channel)s: %(why)s") % {
            "channel": Channel(ticket.channel).label,
            "why": escalation.outcome_channel_note,
        }
    return _(
        "The customer could not be reached in writing: they have no email address, and %(channel)s did "
        "not take the outcome (%(why)s). The outcome is recorded on the ticket as a note. %(how)s"
    ) % {
        "channel": Channel(ticket.channel).label,
        "why": escalation.outcome_channel_note,
        "how": _how(ticket),
    }


def record_sent(*, message_id: int, at: dt.datetime) -> None:
    """A message left: stamp the acknowledgement or outcome it carried (once; the first one counts)."""
    rows = list(
        Escalation.objects.filter(
            Q(outcome_message_id=message_id)
            | Q(outcome_email_id=message_id)
            | Q(acknowledgement_message_id=message_id)
        ).values_list("pk", "outcome_email_id", "acknowledgement_message_id")
    )
    for pk, email_id, acknowledgement_id in rows:
        mine = Escalation.objects.filter(pk=pk)
        if acknowledgement_id == message_id:
            mine.filter(customer_acknowledged_at__isnull=True).update(customer_acknowledged_at=at)
            continue
        mine.filter(outcome_sent_at__isnull=True).update(outcome_sent_at=at)
        if email_id == message_id:
            mine.filter(outcome_emailed_at__isnull=True).update(outcome_emailed_at=at)


# --- Internals ----------------------------------------------------------------------------------------------


def _customer_language(ticket: Ticket) -> Any:
    return translation.override(ticket.contact.language or "id")


def _outcome_text(escalation: Escalation, outcome: str) -> str:
    with _customer_language(escalation.ticket):
        return render_to_string(
            "escalation/email/outcome.txt", {"escalation": escalation, "outcome": outcome}
        ).strip()


def _send_template(ticket: Ticket, *, by: Any, outcome: str) -> Message | None:
    """WhatsApp outside the 24 hours: the approved outcome template, if one is configured and fits.

    Its placeholders: {{1}} the outcome, or {{1}} the ticket number and {{2}} the outcome. Meta allows
    no line breaks in a parameter, and at most 1024 characters.
    """
    from channels_intake.accounts import templates_for  # local: channels_intake imports tickets

    name = settings.ESCALATION_OUTCOME_TEMPLATE
    if not name or ticket.channel != Channel.WHATSAPP:
        return None
    candidates = list(templates_for(ticket).filter(name=name))
    language = ticket.contact.language or "id"
    candidates.sort(key=lambda item: not item.language.startswith(language))
    flat = " ".join(outcome.split())
    if not candidates or len(flat) > WHATSAPP_VARIABLE_LIMIT:
        return None
    template = candidates[0]
    values = {1: [flat], 2: [ticket.reference, flat]}.get(template.variable_count)
    if values is None:
        log.warning("The outcome template %s needs 1 or 2 placeholders; not used.", name)
        return None
    try:
        return ticket_actions.send_template(ticket, by=by, template=template, variables=values)
    except ActionError:
        return None


def _note(ticket: Ticket, refused: str, email: Message | None, outcome: str) -> str:
    channel = Channel(ticket.channel).label
    if email is not None:
        return _("The outcome was not sent on %(channel)s: %(why)s It was emailed to %(address)s.") % {
            "channel": channel,
            "why": refused,
            "address": ticket.contact.email,
        }
    return "\n\n".join(
        [
            _(
                "The outcome of the escalation could not be sent to the customer in writing: there is no "
                "email address, and not on %(channel)s: %(why)s %(how)s"
            )
            % {"channel": channel, "why": refused, "how": _how(ticket)},
            outcome,
        ]
    )


def _how(ticket: Ticket) -> str:
    if ticket.channel == Channel.WHATSAPP:
        return _(
            "Ask the customer for an email address, or send them an approved WhatsApp template from the "
            "ticket in the desk, and send the outcome when they answer."
        )
    return _(
        "Ask the customer for an email address (by phone, or on the channel when they write again) and "
        "send them the outcome."
    )
