"""What every email to a customer ends with, whoever sends it: ``{% customer_mail_footer ticket %}``.

The footer carries the ticket number, the status link and the "request escalation to a supervisor" link
(our policy: a customer may ask for a supervisor from every email), and the security reminder. Mail
without a ticket (a chat nobody answered) gets the reminder only: there is nothing to escalate.
"""

from __future__ import annotations

from typing import Any

from django import template

from tickets.links import status_url
from tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("tickets/email/_footer.txt")
def customer_mail_footer(ticket: Ticket | None) -> dict[str, Any]:
    from escalation.templatetags.escalation import escalation_request_url  # local: escalation imports tickets

    if ticket is None:
        return {"ticket": None}
    return {
        "ticket": ticket,
        "status_url": status_url(ticket),
        "escalation_url": escalation_request_url(ticket),
    }
