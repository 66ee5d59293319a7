"""Anymail's webhook URLs (/anymail/<provider>/inbound/ and /tracking/), closed until set up.

Anymail itself accepts a webhook from anyone when no WEBHOOK_SECRET is set (it only warns), answers 400
for a failed basic-auth or signature check and 500 for a provider whose key is missing. Each Anymail view
is wrapped so that:

- a provider is open only when it can authenticate the request: ANYMAIL_WEBHOOK_SECRET (basic auth in
  the URL given to the provider) or the provider's own signing key; Amazon SES always needs the basic
  auth, because Anymail does not verify SNS message signatures; otherwise 403 and nothing stored;
- a refused check is 401 (no credentials, with a Basic challenge) or 403;
- a provider that is half set up (its key missing) is 403, and one whose optional library is missing
  (S3 client-side encryption for SES) is 501, never 500.
Nothing is stored for a refused request: the checks run before Anymail sends its signal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import (
    AnymailConfigurationError,
    AnymailImproperlyInstalled,
    AnymailWebhookValidationFailure,
)
from anymail.utils import get_anymail_setting
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt

# Providers that sign their webhooks, and the Anymail settings (after "<PROVIDER>_") holding the key.
SIGNING_KEYS: dict[str, tuple[str, ...]] = {
    "mailgun": ("webhook_signing_key",),
    "mailersend": ("inbound_secret", "signing_secret"),
    "mailtrap": ("inbound_secret", "signing_secret"),
    "mandrill": ("webhook_key",),
    "postal": ("webhook_key",),
    "resend": ("inbound_secret", "signing_secret"),
    "unisender_go": ("api_key",),
}
# Signed in a way Anymail does not check: the shared secret is the only protection.
BASIC_AUTH_REQUIRED = frozenset({"amazon_ses"})


def _setting(name: str, provider: str = "") -> Any:
    return get_anymail_setting(name, esp_name=provider or None, default=None, allow_bare=bool(provider))


def can_authenticate(provider: str) -> bool:
    """Whether webhooks from ``provider`` can be told from anyone else's posts with the settings we have."""
    if _setting("webhook_secret"):
        return True
    if provider in BASIC_AUTH_REQUIRED:
        return False
    return any(_setting(name, provider) for name in SIGNING_KEYS.get(provider, ()))


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain")


def refusing_unless_authenticated(
    view: Callable[..., HttpResponse], provider: str
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and not can_authenticate(provider):
            return _text(
                403,
                f"The {provider} webhook is not set up: set ANYMAIL_WEBHOOK_SECRET (basic auth in the "
                "webhook URL)" + (" or the provider's signing key." if provider in SIGNING_KEYS else "."),
            )
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            if "HTTP_AUTHORIZATION" not in request.META and _setting("webhook_secret"):
                response = _text(401, "Authentication required.")
                response["WWW-Authenticate"] = 'Basic realm="anymail"'
                return response
            return _text(403, "Webhook verification failed.")
        except AnymailImproperlyInstalled as error:
            return _text(501, f"This webhook needs a package that is not installed: {error}")
        except AnymailConfigurationError:
            return _text(403, f"The {provider} webhook is not fully set up (a provider setting is missing).")

    return csrf_exempt(wrapped)


def _provider(pattern: URLPattern) -> str:
    view_class = getattr(pattern.callback, "view_class", None)
    module = view_class.__module__ if view_class is not None else ""
    return module.rsplit(".", 1)[-1]  # anymail.webhooks.mailgun -> mailgun


app_name = anymail_urls.app_name
urlpatterns = [
    URLPattern(
        pattern.pattern,
        refusing_unless_authenticated(pattern.callback, _provider(pattern)),
        pattern.default_args,
        pattern.name,
    )
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern)
]
