"""Small presentation helpers for the desk templates: short labels and the timeline's sentences."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tickets import live, queues
from tickets.models import Channel, DeliveryStatus, HoldReason, Priority, Status, TicketEvent

register = template.Library()


@register.filter
def short_status(value: str) -> str:
    """Status labels without their explanation, for badges: 'Pending', not 'Pending (waiting on ...)'."""
    short: dict[str, str] = {
        Status.PENDING: pgettext("status", "Pending"),
        Status.ON_HOLD: pgettext("status", "On hold"),
    }
    if value in short:
        return short[value]
    return str(Status(value).label) if value in Status.values else value


@register.filter
def snippet(ticket: Any) -> str:
    """The latest customer text for an inbox row, without repeating the subject it often starts with."""
    text = " ".join(str(getattr(ticket, "snippet", "") or "").split())
    subject = " ".join(ticket.subject.split())
    if subject and text.startswith(subject):
        text = text[len(subject) :].lstrip(" .,:;-")
    return text


@register.filter
def initials(user: Any) -> str:
    if user is None:
        return "?"
    name = user.get_full_name() or user.get_username()
    return "".join(part[0] for part in name.split()[:2]).upper() or "?"


@register.filter
def display_name(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


@register.filter
def is_image(attachment: Any) -> bool:
    return str(attachment.content_type).startswith(("image/png", "image/jpeg", "image/gif", "image/webp"))


@register.filter
def delivery_label(value: str) -> str:
    return str(DeliveryStatus(value).label) if value in DeliveryStatus.values else value


def _label(choices: Any, value: Any) -> str:
    if value is None or value == "":
        return _("none")
    return str(choices(value).label) if value in choices.values else str(value)


def _masked_label(kind: str) -> str:
    """What a redaction masked (tickets.redaction: "card", "secret"), as the agent reads it."""
    labels = {"card": _("card number"), "secret": _("OTP or password")}
    return labels.get(kind, kind)


def _status_text(value: Any) -> str:
    if isinstance(value, dict):
        reason = value.get("hold_reason", "")
        return f"{short_status(value.get('status', ''))} ({_label(HoldReason, reason) if reason else ''})"
    return short_status(str(value)) if value else _("none")


@register.filter
def event_summary(event: TicketEvent) -> str:
    """One sentence for the timeline; the actor is shown separately."""
    kind, before, after = event.kind, event.before, event.after
    kinds = TicketEvent.Kind
    if kind == kinds.CREATED:
        channel = after.get("channel") if isinstance(after, dict) else ""
        return _("Ticket created via %(channel)s") % {"channel": _label(Channel, channel)}
    if kind == kinds.MESSAGE:
        return _("Message from the customer")
    if kind == kinds.REPLY:
        return _("Replied to the customer")
    if kind == kinds.NOTE:
        return _("Added an internal note")
    if kind in (kinds.STATUS, kinds.REOPENED):
        sentence = (
            _("Reopened: %(before)s → %(after)s")
            if kind == kinds.REOPENED
            else _("Status: %(before)s → %(after)s")
        )
        return sentence % {"before": _status_text(before), "after": _status_text(after)}
    if kind == kinds.ASSIGNED:
        return _("Assigned to %(agent)s") % {"agent": after} if after else _("Unassigned")
    if kind == kinds.PRIORITY:
        return _("Priority: %(before)s → %(after)s") % {
            "before": _label(Priority, before),
            "after": _label(Priority, after),
        }
    if kind == kinds.CATEGORY and isinstance(after, dict) and "order_ref" in after:
        return _("Order number: %(before)s → %(after)s") % {
            "before": (before or {}).get("order_ref") or _("none"),
            "after": after.get("order_ref") or _("none"),
        }
    if kind in (kinds.CATEGORY, kinds.TEAM):
        sentence = (
            _("Category: %(before)s → %(after)s")
            if kind == kinds.CATEGORY
            else _("Team: %(before)s → %(after)s")
        )
        return sentence % {"before": before or _("none"), "after": after or _("none")}
    if kind == kinds.TAGS:
        return _("Tags: %(tags)s") % {"tags": ", ".join(after or []) or _("none")}
    if kind == kinds.MERGED and isinstance(after, dict):
        if "into" in after:
            return _("Merged into #SD-%(pk)s") % {"pk": after["into"]}
        return _("#SD-%(pk)s merged into this ticket") % {"pk": after.get("from")}
    if kind == kinds.SECURITY and isinstance(after, dict):
        masked = [_masked_label(item) for item in after.get("masked", [])]
        return _("Sensitive data masked: %(kinds)s") % {"kinds": ", ".join(masked)}
    if kind == kinds.DELIVERY and isinstance(after, dict):
        # Not only our messages: a customer's file or name the channel would not give us (fetches).
        if "media" in after:
            return _("The file %(name)s could not be downloaded: %(error)s") % {
                "name": after["media"],
                "error": after.get("error", ""),
            }
        if "profile" in after:
            return _("The customer's name could not be fetched from %(channel)s: %(error)s") % {
                "channel": _label(Channel, after["profile"]),
                "error": after.get("error", ""),
            }
        return _("Delivery failed: %(error)s") % {"error": after.get("error", "")}
    if kind == kinds.CONTACT:
        return _("Contact merged: #%(before)s → #%(after)s") % {"before": before, "after": after}
    label = str(kinds(kind).label) if kind in kinds.values else kind
    if isinstance(after, str) and after:
        return f"{label}: {after}"
    return label


@register.filter
def capped_count(count: int | None) -> str:
    """A count from tickets.queues, which stop counting past COUNT_LIMIT: "1,000+" then."""
    if count is None:
        return ""
    if count > queues.COUNT_LIMIT:
        return f"{intcomma(queues.COUNT_LIMIT)}+"
    return str(count)


_CID = re.compile(r"""(\ssrc=)(["'])cid:([^"']*)\2""", re.IGNORECASE)
# The frame's own policy: nothing runs, nothing is fetched but our attachment URLs, inline styles allowed.
_EMAIL_FRAME_CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; form-action 'none'; "
    "img-src 'self'; style-src 'unsafe-inline'"
)


@register.filter
def email_document(message: Any) -> str:
    """The message's sanitised HTML as a whole document for a sandboxed <iframe srcdoc>: sanitised again
    (rows written by any path), inline ``cid:`` images pointed at our attachment URLs, a CSP of its own
    and links that open in a new tab."""
    from tickets.actions.inbound import sanitise_html

    images = {
        attachment.content_id.strip("<>"): reverse("desk:attachment", args=[attachment.pk])
        for attachment in message.attachments.all()
        if attachment.content_id
    }

    def inline(match: re.Match[str]) -> str:
        url = images.get(match.group(3).strip("<>"), "about:blank")
        return f'{match.group(1)}"{url}"'

    body = _CID.sub(inline, sanitise_html(message.html))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_EMAIL_FRAME_CSP}">'
        '<base target="_blank"><style>body{font:14px/1.5 system-ui,sans-serif;margin:8px;color:#1f2328;'
        "overflow-wrap:anywhere}img{max-width:100%;height:auto}</style></head>"
        f"<body>{body}</body></html>"
    )


@register.filter
def live_state(ticket: Any) -> str:
    """The fingerprint of what the ticket's header shows (tickets.live): live.js compares it with events'."""
    return live.head_state(ticket)
