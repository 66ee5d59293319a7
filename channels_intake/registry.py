"""A system check that every channel with a webhook is wired up (CONTRIBUTING's channel checklist).

Forgetting one registration fails quietly otherwise: a channel missing from processing.PROCESSORS (or
TASKS) stores its events and leaves them pending forever; one missing from media.FETCHERS keeps its
customers' files a placeholder; one missing from outbound.SENDERS cannot be answered.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.checks import Error, register
from django.utils.module_loading import import_string


def webhook_channels() -> list[str]:
    """The channel names under /intake/ (one include per channel folder in channels_intake/urls.py)."""
    from channels_intake.urls import urlpatterns

    return [str(pattern.pattern).strip("/") for pattern in urlpatterns]


@register()
def check_channel_registrations(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from channels_intake import media, processing
    from channels_intake.accounts import ACCOUNT_MODELS
    from channels_intake.outbound import SENDERS

    errors: list[Error] = []

    def missing(channel: str, where: str, number: int, why: str) -> None:
        errors.append(
            Error(
                f"The {channel} channel has a webhook but is not registered in {where}: {why}",
                hint=f"Add {channel!r} to {where} (see 'Adding a channel' in CONTRIBUTING.md).",
                id=f"channels_intake.E{number}",
            )
        )

    for channel in webhook_channels():
        if channel not in processing.PROCESSORS and channel not in processing.TASKS:
            missing(
                channel,
                "channels_intake.processing.PROCESSORS (or TASKS)",
                201,
                "its events stay pending forever.",
            )
        if channel not in SENDERS:
            missing(channel, "channels_intake.outbound.SENDERS", 202, "agents' replies cannot be sent.")
        if channel in processing.PROCESSORS:  # message channels: media, accounts
            if channel not in media.FETCHERS:
                missing(
                    channel, "channels_intake.media.FETCHERS", 203, "customers' files are never downloaded."
                )
            if channel not in ACCOUNT_MODELS:
                missing(
                    channel,
                    "channels_intake.accounts.ACCOUNT_MODELS",
                    204,
                    "replies have no account to go out from.",
                )
    for path in [*processing.PROCESSORS.values(), *processing.TASKS.values(), *media.FETCHERS.values()]:
        try:
            import_string(path)
        except ImportError as error:
            errors.append(Error(f"{path} cannot be imported: {error}", id="channels_intake.E205"))
    for channel, module in SENDERS.items():
        if not hasattr(import_module(module), "send"):
            errors.append(Error(f"{module} (the {channel} sender) has no send()", id="channels_intake.E205"))
    return errors
