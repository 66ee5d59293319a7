"""python manage.py ingest_email [FILE or MAILDIR ...]: raw MIME in, ticket numbers out.

For teams that pipe mail from their own server (``| manage.py ingest_email`` in an alias or a Postfix
pipe transport) and for importing a maildir. Each message is stored as an InboundEvent and processed at
once, in this process, so the printed line says what it became.

Exit status, as a mail server reads it: 0 when every message was accepted, which includes a quarantined
one (kept in the admin with its reason; refusing it would only bounce it) and one whose processing
failed after it was stored (the inbound sweep tries it again); 75 (EX_TEMPFAIL) when a message could not
be stored because the database is unreachable, so Postfix keeps it queued and delivers it again.
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from channels_intake.email.intake import limit_raw, process_event
from channels_intake.models import InboundEvent

EX_TEMPFAIL = 75  # sysexits.h: "temporary failure; the user is invited to retry"


class Command(BaseCommand):
    help = (
        "Store raw emails (files, maildir folders, or standard input) as tickets; prints each ticket number. "
        "Exits 75 (temporary failure) when the database cannot be reached."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help="Message files or maildir folders. None: read stdin.")

    def handle(self, *args: Any, **options: Any) -> None:
        unstored = 0
        for label, raw in self._messages(options["paths"]):
            try:
                self._ingest(label, raw)
            except (OperationalError, InterfaceError) as error:
                unstored += 1
                self.stderr.write(f"{label}: not stored, the database is unreachable: {error}".rstrip())
        if unstored:
            raise CommandError(
                f"{unstored} message(s) could not be stored; the mail server should try again later.",
                returncode=EX_TEMPFAIL,
            )

    def _ingest(self, label: str, raw: bytes) -> None:
        event = InboundEvent.objects.create(channel="email", source="cli", account="", body=limit_raw(raw))
        try:
            outcome = process_event(event)
        except (OperationalError, InterfaceError):
            raise
        except Exception as error:
            InboundEvent.objects.filter(pk=event.pk).update(
                error=f"{error.__class__.__name__}: {error}"[:5000]
            )
            self.stderr.write(
                f"{label}: stored as inbound event {event.pk}; processing failed and will be retried: {error}"
            )
            return
        if outcome.state == InboundEvent.State.PROCESSED:
            self.stdout.write(f"{label}: {outcome.reference}" + (" (duplicate)" if outcome.note else ""))
        elif outcome.state == InboundEvent.State.QUARANTINED:
            self.stdout.write(f"{label}: quarantined: {outcome.note} (inbound event {event.pk})")
        else:
            self.stdout.write(f"{label}: {outcome.state}: {outcome.note}")

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
