"""What a stored message still needs from the provider: its files, and the customer's profile name.

Processing an event stores its messages and, in the same transaction, one PendingFetch row per file to
download and per profile name to look up; the ``fetch`` task is queued after commit. The row is the
record of what is owed: the task deletes it once the work is done, so a task the broker lost or a
worker killed half-way leaves it behind, and ``sweep_pending_fetches`` (celery beat) queues it again.
Attempts are counted on the row (the task claims one with a conditional UPDATE) and bounded: the
last failure is noted on the ticket's timeline, where the agent sees why a file or a name is missing.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_intake.transport import TransportError
from supportdesk.queue import enqueue_on_commit
from tickets.actions import record_event
from tickets.models import Message, TicketEvent

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
SWEEP_BATCH = 200
# A row the sweep queued again is not queued once more for this long (its task may wait in the queue).
REQUEUE_AFTER = dt.timedelta(minutes=5)


class PendingFetch(models.Model):
    class Kind(models.TextChoices):
        MEDIA = "media", gettext_lazy("file")
        PROFILE = "profile", gettext_lazy("profile name")

    kind = models.CharField(gettext_lazy("kind"), max_length=10, choices=Kind.choices)
    # Media: the message the file belongs to. Profile: the message that asked, on whose ticket a
    # failure is noted.
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="+", verbose_name=gettext_lazy("message")
    )
    index = models.PositiveSmallIntegerField(
        gettext_lazy("file index"), default=0, help_text=gettext_lazy("Which file of the message.")
    )
    # Profile: the page or Instagram account, and the customer's page-scoped id.
    account = models.CharField(gettext_lazy("account"), max_length=100, blank=True)
    address = models.CharField(gettext_lazy("address"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(gettext_lazy("attempts"), default=0)
    due_at = models.DateTimeField(gettext_lazy("next attempt at"), default=timezone.now)
    last_error = models.TextField(gettext_lazy("last error"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["due_at"], name="pending_fetch_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "index"], condition=models.Q(kind="media"), name="pending_fetch_one_file"
            ),
            # One lookup per customer at a time, however many messages they send meanwhile.
            models.UniqueConstraint(
                fields=["account", "address"],
                condition=models.Q(kind="profile"),
                name="pending_fetch_one_profile",
            ),
        ]
        verbose_name = gettext_lazy("file or name still to fetch")
        verbose_name_plural = gettext_lazy("files and names still to fetch")

    def __str__(self) -> str:
        return f"{self.kind} for message {self.message_id}"


def backoff_seconds(attempt: int) -> int:
    return int(min(30 * 2 ** (attempt - 1), 900))


def owe_media(message: Message) -> None:
    """Record every file of ``message`` as owed and queue its download. Call inside the transaction
    that stored the message."""
    for index, _item in enumerate(message.metadata.get("media") or []):
        pending = PendingFetch.objects.create(kind=PendingFetch.Kind.MEDIA, message=message, index=index)
        enqueue_on_commit(fetch, pending.pk)


def owe_profile(message: Message, *, account: str, address: str) -> None:
    """Record the name of the customer ``address`` as owed (once while one is owed) and queue it."""
    pending, created = PendingFetch.objects.get_or_create(
        kind=PendingFetch.Kind.PROFILE,
        account=account[:100],
        address=address[:200],
        defaults={"message": message},
    )
    if created:
        enqueue_on_commit(fetch, pending.pk)


def _perform(pending: PendingFetch) -> None:
    """Do the work; TransportError when the provider refuses or cannot be reached. Does nothing when it
    was done already (the row outlived its work: a worker killed before deleting it)."""
    from channels_intake import media, profiles

    if pending.kind == PendingFetch.Kind.MEDIA:
        media.download(pending.message, pending.index)
    else:
        profiles.look_up(channel=pending.message.channel, account=pending.account, address=pending.address)


@shared_task(bind=True, max_retries=None, name="channels_intake.fetches.fetch")
def fetch(self, pending_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Do one owed fetch. Safe to run twice or concurrently: a file is attached once (by its key), a
    name stored once; each run claims one attempt with a conditional UPDATE of the row's counter,
    which bounds the retries (Celery's own counter starts again when the sweep queues the row)."""
    pending = PendingFetch.objects.select_related("message").filter(pk=pending_id).first()
    if pending is None:
        return False  # done, or given up
    attempts = pending.attempts + 1
    claimed = PendingFetch.objects.filter(pk=pending.pk, attempts=pending.attempts).update(
        attempts=attempts, due_at=timezone.now() + dt.timedelta(seconds=backoff_seconds(attempts))
    )
    if not claimed:
        return False  # another worker got there first
    try:
        _perform(pending)
    except TransportError as error:
        if error.permanent or attempts >= MAX_ATTEMPTS:
            give_up(pending.pk, reason=error.reason)
            return False
        log.warning("Fetching %s failed (attempt %s), will retry: %s", pending, attempts, error.reason)
        PendingFetch.objects.filter(pk=pending.pk).update(last_error=error.reason[:2000])
        raise self.retry(countdown=backoff_seconds(attempts)) from error
    PendingFetch.objects.filter(pk=pending.pk).delete()
    return True


def give_up(pending_id: int, *, reason: str) -> bool:
    """Stop trying and tell the agent on the ticket's timeline; False when it was settled already."""
    from channels_intake import media, profiles

    with transaction.atomic():
        row = PendingFetch.objects.select_related("message__ticket").filter(pk=pending_id).first()
        # Whoever deletes the row notes it: once, however many give up at the same moment.
        if row is None or not PendingFetch.objects.filter(pk=row.pk).delete()[0]:
            return False
        if row.kind == PendingFetch.Kind.MEDIA:
            after = {"media": media.describe(row.message, row.index), "error": reason[:500]}
        else:
            profiles.remember_failure(channel=row.message.channel, address=row.address)
            after = {"profile": row.message.channel, "error": reason[:500]}
        record_event(row.message.ticket, TicketEvent.Kind.DELIVERY, message=row.message, after=after)
    return True


@shared_task(name="channels_intake.fetches.sweep_pending_fetches")
def sweep_pending_fetches(older_than_seconds: int | None = None) -> int:
    """Queue again the fetches whose task was lost (broker down or restarted, worker killed), and give
    up on those that used their attempts. Returns how many rows it handled."""
    grace = settings.INBOUND_EVENT_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=grace)
    due = list(
        PendingFetch.objects.filter(due_at__lte=cutoff)
        .order_by("due_at")
        .values_list("pk", "attempts", "last_error")[:SWEEP_BATCH]
    )
    handled = 0
    for pending_id, attempts, last_error in due:
        if attempts >= MAX_ATTEMPTS:
            reason = _("Not fetched after %(count)d attempts.") % {"count": attempts}
            handled += give_up(pending_id, reason=f"{reason} {last_error}".strip())
            continue
        # Claimed by moving the due time on: a second sweep (or the next one) does not queue it again.
        if PendingFetch.objects.filter(pk=pending_id, due_at__lte=cutoff).update(due_at=now + REQUEUE_AFTER):
            enqueue_on_commit(fetch, pending_id)
            handled += 1
    return handled
