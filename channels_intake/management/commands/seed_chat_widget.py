"""A demo chat widget, so `make run` can show live chat at /chat/demo/ (idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from channels_intake.chat.models import ChatWidget
from tickets.models import Team


class Command(BaseCommand):
    help = "Create the demo chat widget (if missing) and print its embed code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--team", default="buyers", help="Slug of the team that answers (default: buyers)."
        )
        parser.add_argument("--origin", action="append", default=[], help="A site allowed to embed it.")

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first() or Team.objects.order_by("pk").first()
        if team is None:
            raise CommandError("Create a team first (manage.py seed_demo does).")
        widget, created = ChatWidget.objects.get_or_create(
            name="Demo shop",
            defaults={
                "team": team,
                "allowed_origins": "\n".join(options["origin"]),
                "greeting_id": "Halo! Ada yang bisa kami bantu?",
                "greeting_en": "Hello! How can we help?",
            },
        )
        verb = "Created" if created else "Using"
        self.stdout.write(f"{verb} chat widget “{widget.name}” answered by {widget.team}.")
        self.stdout.write(
            f'Embed: <script src="{settings.SITE_URL}/chat/widget.js" data-key="{widget.public_key}" async></script>'
        )
        self.stdout.write(
            f"Try it: {settings.SITE_URL}/chat/demo/ (signed in as an agent); answer at {settings.SITE_URL}/chat/agent/"
        )
