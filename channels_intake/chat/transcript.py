"""The chat's transcript, emailed to the visitor when the chat ends (if they ask for it)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channels_intake.chat.models import ChatSession
from channels_intake.chat.visitor import all_messages
from tickets.notifications import AUTOMATIC_HEADERS


def request_transcript(session: ChatSession, *, email: str) -> None:
    """Remember where to send it and send it after commit (once per chat)."""
    from channels_intake.chat import tasks
    from supportdesk.queue import enqueue_on_commit

    ChatSession.objects.filter(pk=session.pk).update(transcript_email=email)
    enqueue_on_commit(tasks.send_transcript, session.pk)


def send_transcript(session_id: int) -> bool:
    """Email the transcript; False if there is nothing to send or it was sent already."""
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .select_related("widget", "ticket")
            .filter(pk=session_id)
            .first()
        )
        if session is None or not session.transcript_email or session.transcript_sent_at is not None:
            return False
        conversation = list(all_messages(session))  # the whole chat, however long
        if not conversation:
            return False
        with translation.override(session.language):
            subject = _("Your chat with %(team)s") % {"team": session.widget.name}
            if session.ticket is not None:
                subject = f"[{session.ticket.reference}] {subject}"
            body = render_to_string(
                "chat/email/transcript.txt",
                {"session": session, "conversation": conversation, "tz": session.widget.time_zone},
            )
        EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[session.transcript_email],
            reply_to=[settings.SUPPORT_REPLY_TO] if settings.SUPPORT_REPLY_TO else None,
            headers=dict(AUTOMATIC_HEADERS),
        ).send()
        session.transcript_sent_at = timezone.now()
        session.save(update_fields=["transcript_sent_at"])
    return True
