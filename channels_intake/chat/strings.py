"""The widget's words, in the visitor's language (the widget has no translations of its own)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def widget_strings() -> dict[str, str]:
    """Call inside translation.override(language)."""
    return {
        "open_chat": _("Chat with us"),
        "close": _("Close"),
        "title": _("Live chat"),
        "start": _("Start chat"),
        "name": _("Name"),
        "contact": _("Email or WhatsApp number"),
        "email": _("Email"),
        "order": _("Order number (optional)"),
        "topic": _("Topic"),
        "choose_topic": _("Choose a topic"),
        "message": _("Message"),
        "type_here": _("Type a message…"),
        "send": _("Send"),
        "attach": _("Send a file (JPG, PNG or PDF)"),
        "typing": _("%(name)s is typing…"),
        "waiting": _("Waiting for an agent…"),
        "joined": _("%(name)s is answering you"),
        "delivered": _("Delivered"),
        "read": _("Read"),
        "sending": _("Sending…"),
        "failed": _("Not sent. Tap to retry."),
        "offline_title": _("We are offline"),
        "back_at": _("We are back %(when)s. Leave a message and we will answer by email."),
        "no_hours": _("Leave a message and we will answer by email."),
        "leave_message": _("Leave a message"),
        "no_answer": _("Our agents are all busy. Leave a message and we will answer you by email."),
        "left_message": _("Thank you. We will answer by email at %(email)s."),
        "end": _("End chat"),
        "ended": _("This chat has ended."),
        "new_chat": _("Start a new chat"),
        "transcript": _("Email me the transcript"),
        "transcript_sent": _("We are sending the transcript to %(email)s."),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "offline_mode": _("Live connection unavailable; messages may take a few seconds."),
        "security": _("We will never ask for your password, PIN or OTP code."),
        "you": _("You"),
        "earlier": _("Earlier messages are not shown here; ask for the transcript to read them all."),
    }


def back_text(back_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """'today at 08:00 WIB', 'tomorrow at 08:00 WIB', 'Monday, 3 March at 08:00 WIB', in ``back_at``'s
    own time zone (the team calendar's)."""
    tz = back_at.tzinfo
    local = back_at
    today = (now or timezone.now()).astimezone(tz).date()
    time = f"{local:%H:%M} {local.tzname()}"
    if local.date() == today:
        return _("today at %(time)s") % {"time": time}
    if local.date() == today + dt.timedelta(days=1):
        return _("tomorrow at %(time)s") % {"time": time}
    day = formats.date_format(local, "l, j F")
    return _("%(day)s at %(time)s") % {"day": day, "time": time}
