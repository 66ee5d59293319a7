"""Background work for escalations: the overdue sweep, mail, the daily digest.

Tasks take ids, reload fresh state and claim their work with a conditional UPDATE, so a retried or
duplicated task does nothing twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from escalation import mail, routing, sweeper
from escalation.models import Digest, Escalation, Notification
from tickets.models import Team


@shared_task
def sweep_overdue() -> int:
    return sweeper.sweep()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def email_notification(notification_id: int) -> None:
    claimed = Notification.objects.filter(
        pk=notification_id, email_wanted=True, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return
    notification = Notification.objects.select_related(
        "user", "escalation", "escalation__ticket", "escalation__ticket__contact"
    ).get(pk=notification_id)
    try:
        mail.send_notification(notification)
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)  # let the retry send it
        raise


@shared_task
def send_daily_digests() -> int:
    """Queue one digest per supervisor with overdue reviews assigned to them, or unassigned escalations
    of a team they watch (routing.watchers: its supervisors, else the top level)."""
    day = timezone.localdate().isoformat()
    user_ids = set(
        Escalation.objects.overdue().exclude(assigned_to=None).values_list("assigned_to_id", flat=True)
    )
    for team_id in set(
        Escalation.objects.active().filter(assigned_to=None).values_list("team_id", flat=True)
    ):
        team = Team.objects.filter(pk=team_id).first() if team_id is not None else None
        user_ids |= set(routing.watchers(team).values_list("pk", flat=True))
    for user_id in sorted(user_ids):
        send_digest.delay(user_id, day)
    return len(user_ids)


def unassigned_for(user: Any) -> list[Escalation]:
    """Active escalations nobody has, of the teams ``user`` watches."""
    rows = list(Escalation.objects.active().filter(assigned_to=None).for_queue().order_by("review_due", "pk"))
    watched: dict[int | None, bool] = {}
    for row in rows:
        if row.team_id not in watched:
            watched[row.team_id] = routing.watchers(row.team).filter(pk=user.pk).exists()
    return [row for row in rows if watched[row.team_id]]


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def send_digest(user_id: int, day: str) -> None:
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    digest, _created = Digest.objects.get_or_create(user=user, day=dt.date.fromisoformat(day))
    if not Digest.objects.filter(pk=digest.pk, sent_at__isnull=True).update(sent_at=timezone.now()):
        return  # sent already today
    escalations = list(
        Escalation.objects.overdue().filter(assigned_to=user).for_queue().order_by("review_due")
    )
    unassigned = unassigned_for(user)
    try:
        sent = mail.send_digest(user, escalations, unassigned=unassigned)
    except Exception:
        Digest.objects.filter(pk=digest.pk).update(sent_at=None)
        raise
    if not sent:
        Digest.objects.filter(pk=digest.pk).update(sent_at=None)
        return
    Digest.objects.filter(pk=digest.pk).update(escalation_count=len(escalations) + len(unassigned))
