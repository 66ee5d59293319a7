"""python manage.py ingest_email [FILE or MAILDIR ...]: raw MIME in, ticket numbers out.

For teams that pipe mail from their own server (``| manage.py ingest_email`` in an alias or a Postfix
pipe transport) and for importing a maildir. Each message is stored as an InboundEvent and processed at
once, in this process, so the printed line says what it became. Messages are taken BATCH at a time
(a maildir import): stored with one INSERT, processed in one transaction (a savepoint each), printed
once committed.

Exit status, as a mail server reads it: 0 when every message was accepted, which includes a quarantined
one (kept in the admin with its reason; refusing it would only bounce it) and one whose processing
failed after it was stored (the inbound sweep tries it again); 75 (EX_TEMPFAIL) when a message could not
be stored because the database is unreachable, so Postfix keeps it queued and delivers it again.
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, transaction

from channels_intake.email.intake import limit_raw, process_event
from channels_intake.models import InboundEvent

EX_TEMPFAIL = 75  # sysexits.h: "temporary failure; the user is invited to retry"
BATCH = 50  # messages stored with one INSERT and processed in one transaction (a maildir import)


class Command(BaseCommand):
    help = (
        "Store raw emails (files, maildir folders, or standard input) as tickets; prints each ticket number. "
        "Exits 75 (temporary failure) when the database cannot be reached."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help="Message files or maildir folders. None: read stdin.")

    def handle(self, *args: Any, **options: Any) -> None:
        unstored = 0
        for chunk in _chunks(self._messages(options["paths"]), BATCH):
            try:
                events = InboundEvent.objects.bulk_create(
                    InboundEvent(channel="email", source="cli", account="", body=limit_raw(raw))
                    for _label, raw in chunk
                )
            except (OperationalError, InterfaceError) as error:
                unstored += len(chunk)
                for label, _raw in chunk:
                    self.stderr.write(f"{label}: not stored, the database is unreachable: {error}".rstrip())
                continue
            self._process([label for label, _raw in chunk], events)
        if unstored:
            raise CommandError(
                f"{unstored} message(s) could not be stored; the mail server should try again later.",
                returncode=EX_TEMPFAIL,
            )

    def _process(self, labels: list[str], events: list[InboundEvent]) -> None:
        """Process stored events in one transaction, each in its own savepoint; print after commit.

        One commit for the batch instead of one per message (about a millisecond each). A message whose
        processing fails rolls back alone and keeps its error for the inbound sweep; a database failure
        rolls back the batch, whose events stay stored and pending, so the sweep processes them later.
        """
        lines: list[tuple[bool, str]] = []  # (to stderr, line)
        try:
            with transaction.atomic():
                for label, event in zip(labels, events, strict=True):
                    lines.append(self._process_one(label, event))
        except (OperationalError, InterfaceError) as error:
            lines = [
                (True, _retried(label, event, error)) for label, event in zip(labels, events, strict=True)
            ]
        for to_stderr, line in lines:
            (self.stderr if to_stderr else self.stdout).write(line)

    def _process_one(self, label: str, event: InboundEvent) -> tuple[bool, str]:
        try:
            outcome = process_event(event)  # its own savepoint inside the batch's transaction
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            InboundEvent.objects.filter(pk=event.pk).update(
                error=f"{error.__class__.__name__}: {error}"[:5000]
            )
            return True, _retried(label, event, error)
        if outcome.state == InboundEvent.State.PROCESSED:
            return False, f"{label}: {outcome.reference}" + (" (duplicate)" if outcome.note else "")
        if outcome.state == InboundEvent.State.QUARANTINED:
            return False, f"{label}: quarantined: {outcome.note} (inbound event {event.pk})"
        return False, f"{label}: {outcome.state}: {outcome.note}"

    def _messages(self, paths: list[str]) -> Iterator[tuple[str, bytes]]:
        if not paths:
            yield "stdin", sys.stdin.buffer.read()
            return
        for name in paths:
            path = Path(name)
            if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
                folder = mailbox.Maildir(str(path), factory=None, create=False)
                for key in sorted(folder.keys()):
                    yield f"{path.name}/{key}", folder.get_bytes(key)
            elif path.is_file():
                yield str(path), path.read_bytes()
            else:
                raise CommandError(
                    f"{name} is neither a message file nor a maildir folder (with cur/ and new/)."
                )


def _retried(label: str, event: InboundEvent, error: Exception) -> str:
    return f"{label}: stored as inbound event {event.pk}; processing failed and will be retried: {error}".rstrip()


def _chunks(items: Iterable[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    chunk: list[tuple[str, bytes]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
