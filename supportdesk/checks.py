"""System checks: misconfiguration is reported with a sentence that says how to fix it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if getattr(settings, "SECRET_KEY_MISSING", False):
        return [
            Error(
                "SECRET_KEY is not set.",
                hint="Set SECRET_KEY to a long random value (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
                "or set DEBUG=1 for local development.",
                id="supportdesk.E001",
            )
        ]
    return []


@register()
def check_allowed_hosts(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [
            Warning(
                "ALLOWED_HOSTS is empty, so every request will be refused with 400.",
                hint="Set ALLOWED_HOSTS to the host names SupportDesk is served on, comma-separated.",
                id="supportdesk.W001",
            )
        ]
    return []


@register()
def check_email_backend(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not settings.DEBUG and settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [
            Warning(
                "Email is printed to the console, not sent: customers receive no acknowledgements or replies.",
                hint="Set EMAIL_BACKEND to an Anymail backend (e.g. anymail.backends.mailgun.EmailBackend) "
                "and its API key, or to django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST.",
                id="supportdesk.W002",
            )
        ]
    return []


def refuse_to_start_on_errors() -> None:
    """Application servers do not run system checks; make them refuse to serve with errors."""
    from django.core.checks import run_checks
    from django.core.management.base import SystemCheckError

    errors = [message for message in run_checks(include_deployment_checks=False) if message.is_serious()]
    if errors:
        raise SystemCheckError("\n".join(f"{e.id}: {e.msg} {e.hint or ''}" for e in errors))
