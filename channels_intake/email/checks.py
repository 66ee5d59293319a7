"""System checks for the email channel: settings that would silently break it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register


@register()
def check_email_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.EMAIL_MAX_PART_BYTES > settings.EMAIL_MAX_MESSAGE_BYTES:
        problems.append(
            Warning(
                "EMAIL_MAX_PART_BYTES is larger than EMAIL_MAX_MESSAGE_BYTES, so the part limit never applies.",
                hint="Set EMAIL_MAX_PART_BYTES at or below EMAIL_MAX_MESSAGE_BYTES.",
                id="channels_intake.W102",
            )
        )
    if settings.EMAIL_INTAKE_TOKEN and len(settings.EMAIL_INTAKE_TOKEN) < 24:
        problems.append(
            Warning(
                "EMAIL_INTAKE_TOKEN is short enough to be guessed.",
                hint="Use at least 24 random characters: python -c 'import secrets; print(secrets.token_urlsafe(32))'.",
                id="channels_intake.W103",
            )
        )
    if not settings.DEBUG and not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        problems.append(
            Warning(
                "ANYMAIL_WEBHOOK_SECRET is not set: ESP webhooks under /anymail/ answer 403 except for "
                "providers with a signing key set (Mailgun, MailerSend, Mandrill, Postal, Resend); Postmark, "
                "SendGrid, Brevo, Mailjet, SparkPost and Amazon SES cannot deliver mail or tracking events.",
                hint="Set ANYMAIL_WEBHOOK_SECRET to 'user:long-random-password' and put those credentials "
                "in the webhook URLs you give your email provider.",
                id="channels_intake.W104",
            )
        )
    return problems
