"""What WhatsApp, Instagram and Messenger share: Meta's webhook handshake and signature, and the Graph API.

Webhooks: Meta verifies a callback URL once with a GET (``hub.mode=subscribe``, ``hub.verify_token``,
``hub.challenge``) and signs every POST with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
body keyed with the app secret>``. A POST without that header gets 401, one whose signature matches no
configured app secret 403; neither stores anything.

Graph API: errors are sorted into transient (retried with backoff: 5xx, timeouts, rate limits) and
permanent (recorded on the message with a sentence for the agent: expired window, invalid token, ...).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from channels_intake.transport import TransportError

SIGNATURE_HEADER = "X-Hub-Signature-256"


class MetaAccount(Protocol):
    slug: str
    app_secret: str
    verify_token: str


A = TypeVar("A", bound=MetaAccount)


# --- Webhooks -------------------------------------------------------------------------------------


def signature_matches(body: bytes, header: str, secret: str) -> bool:
    """Constant-time check of an ``X-Hub-Signature-256`` header against one app secret."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def signing_account(body: bytes, header: str, accounts: Iterable[A]) -> A | None:
    """The account whose app secret signed ``body``; None when none did."""
    for account in accounts:
        if signature_matches(body, header, account.app_secret):
            return account
    return None


def handshake(request: HttpRequest, accounts: Sequence[MetaAccount]) -> HttpResponse:
    """Answer Meta's subscription check: echo the challenge when the verify token is one of ours."""
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not challenge:
        return HttpResponse(_("Expected hub.mode=subscribe and a hub.challenge."), status=400)
    for account in accounts:
        if account.verify_token and hmac.compare_digest(account.verify_token.encode(), token.encode()):
            return HttpResponse(challenge, content_type="text/plain")
    return HttpResponse(_("The verify token does not match."), status=403)


def receive(request: HttpRequest, channel: str, accounts: Sequence[MetaAccount]) -> HttpResponse:
    """Verify a webhook POST over its raw body, store it and acknowledge at once."""
    from channels_intake.processing import store_event

    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header:
        return HttpResponse(_("Missing X-Hub-Signature-256 header."), status=401)
    body = request.body
    account = signing_account(body, header, accounts)
    if account is None:
        return HttpResponse(_("Invalid signature."), status=403)
    store_event(channel=channel, account=account.slug, body=body, headers=_kept_headers(request))
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


def _kept_headers(request: HttpRequest) -> dict[str, str]:
    keep = ("Content-Type", "User-Agent", SIGNATURE_HEADER)
    return {name: request.headers[name] for name in keep if name in request.headers}


# --- Graph API ------------------------------------------------------------------------------------

# Meta's error codes that mean "try again later".
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613, 1200, 80007, 130429, 131000, 131016, 131056, 133004}


def _explanations() -> dict[int, str]:
    return {
        131047: _(
            "More than 24 hours have passed since the customer last wrote, so WhatsApp only delivers an "
            "approved template now."
        ),
        2018278: _(
            "This message is outside the window in which Meta lets a business answer; it was not delivered."
        ),
        190: _("The access token is invalid or has expired: an admin must renew it in the channel settings."),
        131026: _(
            "WhatsApp could not deliver the message: the number may not use WhatsApp or has not accepted "
            "the latest terms."
        ),
        551: _("This person cannot receive messages from the page right now."),
        131051: _("WhatsApp does not support this kind of message."),
        131053: _("WhatsApp could not process the attached file."),
        132000: _("The template's variables do not match the approved template."),
        132001: _("The template does not exist in this language, or is not approved."),
        10: _("The app lacks the permission to send this message."),
        200: _("The app lacks the permission to send this message."),
    }


def describe(code: int | None, subcode: int | None, detail: str) -> str:
    """A sentence for the agent, followed by Meta's own words and code."""
    explanations = _explanations()
    sentence = explanations.get(subcode or -1) or explanations.get(code or -1) or ""
    suffix = f"{detail} (code {code})" if code is not None else detail
    return f"{sentence} {suffix}".strip() if sentence else suffix


def describe_failed_status(problem: Mapping[str, Any]) -> str:
    """A failed status callback's error for the agent: our sentence, then "code — title: details"."""
    code = _int(problem.get("code"))
    title = str(problem.get("title") or problem.get("message") or "").strip()
    data = problem.get("error_data")
    details = str((data.get("details") if isinstance(data, Mapping) else "") or "").strip()
    words = f"{title}: {details}" if title and details and details != title else (title or details)
    meta_words = (
        f"{code} — {words}" if code is not None and words else str(code if code is not None else words)
    )
    sentence = _explanations().get(code or -1, "")
    return f"{sentence} {meta_words}".strip()


def error_from_payload(error: dict[str, Any], *, http_status: int | None = None) -> TransportError:
    """A TransportError for a Graph error object (a send response's or a status callback's)."""
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    detail = str(
        (error.get("error_data") or {}).get("details")
        or error.get("error_user_msg")
        or error.get("message")
        or error.get("title")
        or ""
    )
    transient = code in TRANSIENT_CODES or (
        http_status is not None and (http_status >= 500 or http_status == 429)
    )
    if error.get("is_transient") is True:
        transient = True
    return TransportError(describe(code, subcode, detail), permanent=not transient)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def graph_url(path: str) -> str:
    return f"{settings.META_GRAPH_URL}/{path.lstrip('/')}"


def timeout() -> tuple[float, float]:
    return (5.0, float(settings.CHANNEL_HTTP_TIMEOUT_SECONDS))


def graph_request(
    method: str,
    path: str,
    *,
    token: str,
    params: dict[str, str] | None = None,
    json: dict[str, Any] | None = None,
    data: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Call the Graph API; the decoded JSON answer, or a classified TransportError."""
    try:
        response = requests.request(
            method,
            graph_url(path),
            headers={"Authorization": f"Bearer {token}"},
            params=params,
            json=json,
            data=data,
            files=files,
            timeout=timeout(),
        )
    except requests.RequestException as error:
        raise TransportError(_("Meta could not be reached: %(error)s") % {"error": error}) from error
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code >= 400 or "error" in body:
        problem = body.get("error") if isinstance(body.get("error"), dict) else None
        if problem is None:
            return _raise_plain(response)
        raise error_from_payload(problem, http_status=response.status_code)
    return body


def _raise_plain(response: requests.Response) -> dict[str, Any]:
    reason = _("Meta answered %(status)s: %(text)s") % {
        "status": response.status_code,
        "text": response.text[:200],
    }
    raise TransportError(reason, permanent=response.status_code < 500 and response.status_code != 429)
