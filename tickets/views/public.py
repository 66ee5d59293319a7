"""What every page customers use without an account shares: language, headers and the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django_ratelimit.core import get_usage, is_ratelimited

# The public pages load nothing from elsewhere and run no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

View = Callable[..., HttpResponseBase]
LANGUAGE_PARAMETER = "language"


def public_page(*, secret_url: bool = False) -> Callable[[View], View]:
    """Decorate a customer page: Indonesian unless the customer picked a language, never cached.

    ``secret_url``: the URL carries a status token, so browsers must not send it on to other sites in
    the Referer header.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            chosen = request.GET.get(LANGUAGE_PARAMETER, "")
            if request.method in ("GET", "HEAD") and chosen:
                return _switch_language(request, chosen)
            # The customer's choice (the language switch's cookie) wins; browsers' Accept-Language does
            # not, because most customers' phones are set to English while they prefer Indonesian.
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
            with translation.override(language):
                request.LANGUAGE_CODE = language
                response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = language
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            add_never_cache_headers(response)
            if secret_url:
                response.headers["Referrer-Policy"] = "no-referrer"
            return response

        return wrapped

    return decorator


def _switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """The language switch: a plain link (?language=en) that stores the choice and reloads the page.

    Not Django's set_language: that is a POST, and POSTs from a page served with "Referrer-Policy:
    no-referrer" carry "Origin: null", which CSRF protection rightly refuses.
    """
    query = request.GET.copy()
    del query[LANGUAGE_PARAMETER]
    response = HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    add_never_cache_headers(response)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


# Submissions that fail validation (a file too big, a mistyped email) have their own allowance, this many
# times the rate: a customer correcting the form is not limited for it, a bot posting garbage still is.
FAILED_TRIES_FACTOR = 5


def _rate(group: str, request: HttpRequest) -> str:
    return str(settings.CONTACT_FORM_RATE)  # read per request, so it can be changed without a restart


def _tries_rate(group: str, request: HttpRequest) -> str:
    count, period = str(settings.CONTACT_FORM_RATE).split("/", 1)
    return f"{int(count) * FAILED_TRIES_FACTOR}/{period}"


def over_rate_limit(request: HttpRequest, group: str) -> bool:
    """True when the sender's IP address used up its allowance: CONTACT_FORM_RATE accepted submissions
    (counted by ``count_accepted``), or FAILED_TRIES_FACTOR times as many POSTs of any kind (this one
    counted here)."""
    accepted = get_usage(request, group=group, key="ip", rate=_rate, method="POST", increment=False)
    if accepted is not None and accepted["count"] >= accepted["limit"]:
        return True
    tries = f"{group}:tries"
    return bool(
        is_ratelimited(request, group=tries, key="ip", rate=_tries_rate, method="POST", increment=True)
    )


def count_accepted(request: HttpRequest, group: str) -> None:
    """Count a submission that was accepted (a message stored, or a bot's honeypot filled in)."""
    get_usage(request, group=group, key="ip", rate=_rate, method="POST", increment=True)


def invalid_link(request: HttpRequest) -> HttpResponse:
    """A forged, altered or expired status link: a 404 that tells the customer what to do."""
    return render(request, "tickets/public/invalid_link.html", status=404)
