"""python manage.py ingest_email [FILE or MAILDIR ...]: raw MIME in, ticket numbers out.

For teams that pipe mail from their own server (``| manage.py ingest_email`` in an alias or a Postfix
pipe transport) and for importing a maildir. Each message is stored as an InboundEvent and processed at
once, in this process, so the printed line says what it became.
"""

from __future__ import annotations

import mailbox
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channels_intake.email.intake import limit_raw, process_event
from channels_intake.models import InboundEvent


class Command(BaseCommand):
    help = (
        "Store raw emails (files, maildir folders, or standard input) as tickets; prints each ticket number."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="*", help="Message files or maildir folders. None: read stdin.")

    def handle(self, *args: Any, **options: Any) -> None:
        failures = 0
        for label, raw in self._messages(options["paths"]):
            event = InboundEvent.objects.create(
                channel="email", source="cli", account="", body=limit_raw(raw)
            )
            try:
                outcome = process_event(event)
            except Exception as error:
                failures += 1
                InboundEvent.objects.filter(pk=event.pk).update(
                    error=f"{error.__class__.__name__}: {error}"[:5000]
                )
                self.stderr.write(f"{label}: failed, kept as inbound event {event.pk} for a retry: {error}")
                continue
            if outcome.state == InboundEvent.State.PROCESSED:
                self.stdout.write(f"{label}: {outcome.reference}" + (" (duplicate)" if outcome.note else ""))
            elif outcome.state == InboundEvent.State.QUARANTINED:
                failures += 1
                self.stdout.write(f"{label}: quarantined (event {event.pk}): {outcome.note}")
            else:
                self.stdout.write(f"{label}: {outcome.state}: {outcome.note}")
        if failures:
            raise CommandError(f"{failures} message(s) could not be turned into tickets; see above.")

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
