"""Background work for escalations: the overdue sweep, mail, the daily digest.

Tasks take ids, reload fresh state and claim their work with a conditional UPDATE, so a retried or
duplicated task does nothing twice.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from escalation import mail, sweeper
from escalation.models import Digest, Escalation, Notification


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
    """Queue one digest per supervisor with overdue escalation reviews assigned to them."""
    day = timezone.localdate().isoformat()
    user_ids = sorted(
        set(Escalation.objects.overdue().exclude(assigned_to=None).values_list("assigned_to_id", flat=True))
    )
    for user_id in user_ids:
        send_digest.delay(user_id, day)
    return len(user_ids)


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
    try:
        mail.send_digest(user, escalations)
    except Exception:
        Digest.objects.filter(pk=digest.pk).update(sent_at=None)
        raise
    Digest.objects.filter(pk=digest.pk).update(escalation_count=len(escalations))
