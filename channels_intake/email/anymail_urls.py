"""Anymail's webhook URLs (/anymail/<provider>/inbound/ and /tracking/), answering 401/403 when refused.

Anymail reports a failed basic-auth or signature check as a 400 (SuspiciousOperation). Providers and
monitoring read 401/403 as "not authorised", so each Anymail view is wrapped to answer that instead;
nothing is stored for a refused request either way (the check runs before the signal).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailWebhookValidationFailure
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt


def refusing_with_401_or_403(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure:
            if "HTTP_AUTHORIZATION" not in request.META:
                response = HttpResponse("Authentication required.\n", status=401, content_type="text/plain")
                response["WWW-Authenticate"] = 'Basic realm="anymail"'
                return response
            return HttpResponse("Webhook verification failed.\n", status=403, content_type="text/plain")

    return csrf_exempt(wrapped)


app_name = anymail_urls.app_name
urlpatterns = [
    URLPattern(
        pattern.pattern, refusing_with_401_or_403(pattern.callback), pattern.default_args, pattern.name
    )
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern)
]
