"""The X Account Activity webhook: the CRC challenge on GET, signed events on POST."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake.accounts import XAccount, active_accounts
from channels_intake.processing import store_event
from channels_intake.x.adapter import SIGNATURE_HEADER, crc_response_token, signature_matches
from tickets.models import Channel


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, account: str = "") -> HttpResponse:
    accounts = active_accounts(XAccount, account)
    if request.method == "GET":
        return crc(request, accounts)
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header:
        return HttpResponse(_("Missing x-twitter-webhooks-signature header."), status=401)
    body = request.body
    signer = next((a for a in accounts if signature_matches(body, header, a.consumer_secret)), None)
    if signer is None:
        return HttpResponse(_("Invalid signature."), status=403)
    keep = {
        name: request.headers[name] for name in ("Content-Type", SIGNATURE_HEADER) if name in request.headers
    }
    store_event(channel=Channel.X, account=signer.slug, body=body, headers=keep)
    return HttpResponse(status=200)


def crc(request: HttpRequest, accounts: list[XAccount]) -> HttpResponse:
    token = request.GET.get("crc_token", "")
    if not token:
        return HttpResponse(_("Expected a crc_token."), status=400)
    secrets = {a.consumer_secret for a in accounts if a.consumer_secret}
    if not secrets:
        return HttpResponse(_("No X account is set up."), status=403)
    if len(secrets) > 1:
        return HttpResponse(
            _("Several X apps are set up: register /intake/x/<account>/ with X for each of them."), status=400
        )
    return JsonResponse({"response_token": crc_response_token(secrets.pop(), token)})
