"""Polling IMAP mailboxes (a Gmail or company mailbox) for customer mail.

The mailbox's watermark is (UIDVALIDITY, last UID). Each fetched message is stored as an InboundEvent
in the same transaction that moves the watermark past its UID, so a poller killed at any point neither
skips a message (its UID was not committed) nor imports one twice (it was, with the watermark). If the
server's UIDVALIDITY changes (the folder was rebuilt), the watermark restarts at 0 and the Message-ID
dedupe keeps already-imported mail from becoming duplicates. The folder is opened read-only: flags are
left as they were, for the people who also read this mailbox. A message the server fails to deliver
EMAIL_IMAP_MAX_FETCH_ATTEMPTS times in a row is recorded as a quarantined event (with the reason, in the
admin) and the watermark moves past it, so one broken message cannot block the mailbox.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_intake.email.intake import oversize_stub, store_raw
from channels_intake.email.models import Mailbox

log = logging.getLogger(__name__)


class MailboxError(Exception):
    """The server refused or answered something we cannot use."""


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.EMAIL_IMAP_TIMEOUT_SECONDS
    if mailbox.security == Mailbox.Security.SSL:
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
    if mailbox.security == Mailbox.Security.STARTTLS:
        connection.starttls(ssl_context=ssl.create_default_context())
    return connection


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(result: tuple[str, list], what: str) -> list:  # type: ignore[type-arg]
    status, data = result
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes)).decode(errors="replace")
        raise MailboxError(f"{what} failed: {detail}")
    return data


def _literal(data: list, item: str) -> bytes | None:  # type: ignore[type-arg]
    """The literal returned for ``item`` (BODY[], BODY[HEADER]) in a UID FETCH response."""
    for entry in data:
        if isinstance(entry, tuple) and len(entry) == 2 and item.encode() in entry[0].upper():
            return bytes(entry[1])
    return None


def _size(data: list) -> int:  # type: ignore[type-arg]
    for entry in data:
        text = entry[0] if isinstance(entry, tuple) else entry
        if isinstance(text, bytes):
            match = re.search(rb"RFC822\.SIZE (\d+)", text)
            if match:
                return int(match.group(1))
    return 0


def poll_mailbox(mailbox: Mailbox) -> int:
    """Import the mailbox's new messages (at most EMAIL_IMAP_BATCH_SIZE). Returns how many were stored.

    Errors are recorded on the mailbox (``last_error``, shown in the admin) rather than raised.
    """
    stored = 0
    try:
        connection = connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as error:
        _record(mailbox, error=f"Could not connect to {mailbox.host}:{mailbox.port}: {error}")
        return 0
    try:
        _check(connection.login(mailbox.username, mailbox.password), "LOGIN")
        _check(connection.select(_quote(mailbox.folder), readonly=True), f"Opening folder {mailbox.folder}")
        _code, values = connection.response("UIDVALIDITY")
        if not values or values[0] is None:
            raise MailboxError("The server did not report UIDVALIDITY for the folder.")
        uidvalidity = int(values[0])
        watermark = _watermark(mailbox, uidvalidity)
        # imaplib wants None for "no CHARSET"; typeshed says str.
        search = connection.uid("SEARCH", None, f"UID {watermark + 1}:*")  # type: ignore[arg-type]
        found = _check(search, "UID SEARCH")
        uids = sorted({int(x) for x in b" ".join(found).split() if int(x) > watermark})
        for uid in uids[: settings.EMAIL_IMAP_BATCH_SIZE]:
            try:
                raw = _fetch(connection, uid)
            except (OSError, imaplib.IMAP4.error, MailboxError) as error:
                if not _fetch_failed(mailbox, uidvalidity, uid, error):
                    raise
                continue  # quarantined and skipped: carry on with the next message
            if _store(mailbox, uidvalidity, uid, raw):
                stored += 1
        _record(mailbox, error="")
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()
    except (OSError, imaplib.IMAP4.error, MailboxError, ValueError) as error:
        log.warning("Polling mailbox %s stopped: %s", mailbox.name, error)
        _record(mailbox, error=f"{error.__class__.__name__}: {error}")
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.shutdown()
    return stored


def _fetch(connection: imaplib.IMAP4, uid: int) -> bytes:
    size = _size(_check(connection.uid("FETCH", str(uid), "(RFC822.SIZE)"), f"Fetching size of {uid}"))
    if size > settings.EMAIL_MAX_RAW_BYTES:
        data = _check(connection.uid("FETCH", str(uid), "(BODY.PEEK[HEADER])"), f"Fetching headers of {uid}")
        return oversize_stub(_literal(data, "BODY[HEADER]") or b"", size)
    data = _check(connection.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"Fetching message {uid}")
    raw = _literal(data, "BODY[]")
    if raw is None:
        raise MailboxError(f"The server sent no body for message {uid}.")
    return raw


def _watermark(mailbox: Mailbox, uidvalidity: int) -> int:
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.uidvalidity != uidvalidity:
            if locked.uidvalidity is not None:
                log.warning("Mailbox %s: UIDVALIDITY changed, reading the folder again.", mailbox.name)
            locked.uidvalidity = uidvalidity
            locked.last_uid = 0
            locked.save(update_fields=["uidvalidity", "last_uid"])
        mailbox.uidvalidity, mailbox.last_uid = locked.uidvalidity, locked.last_uid
        return locked.last_uid


def _store(mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes) -> bool:
    """Store one message and move the watermark past it, atomically. False if another poller did."""
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.uidvalidity != uidvalidity or locked.last_uid >= uid:
            return False
        store_raw(raw, source="imap", account=mailbox.name, headers={"uid": uid, "uidvalidity": uidvalidity})
        locked.last_uid = uid
        locked.save(update_fields=["last_uid"])
    mailbox.last_uid = uid
    return True


def _fetch_failed(mailbox: Mailbox, uidvalidity: int, uid: int, error: Exception) -> bool:
    """Count a failed fetch of ``uid``; at EMAIL_IMAP_MAX_FETCH_ATTEMPTS, store a quarantine entry with
    the reason and move the watermark past it. True when it was skipped (the caller goes on)."""
    from channels_intake.models import InboundEvent

    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.uidvalidity != uidvalidity or locked.last_uid >= uid:
            return True  # another poller got past it
        attempts = locked.failing_attempts + 1 if locked.failing_uid == uid else 1
        locked.failing_uid, locked.failing_attempts = uid, attempts
        fields = ["failing_uid", "failing_attempts"]
        skip = attempts >= settings.EMAIL_IMAP_MAX_FETCH_ATTEMPTS
        if skip:
            reason = (
                f"IMAP UID {uid} in {mailbox.folder} could not be fetched after {attempts} attempts; "
                f"skipped. Last error: {error.__class__.__name__}: {error}"
            )
            log.error("Mailbox %s: %s", mailbox.name, reason)
            InboundEvent.objects.create(
                channel="email",
                source="imap",
                account=mailbox.name[:100],
                body=b"",
                headers={"uid": uid, "uidvalidity": uidvalidity, "unfetchable": True},
                state=InboundEvent.State.QUARANTINED,
                error=reason[:5000],
                processed_at=timezone.now(),
            )
            locked.last_uid, locked.failing_uid, locked.failing_attempts = uid, 0, 0
            fields.append("last_uid")
        locked.save(update_fields=fields)
    mailbox.last_uid = locked.last_uid
    return skip


def _record(mailbox: Mailbox, *, error: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=error[:2000])
