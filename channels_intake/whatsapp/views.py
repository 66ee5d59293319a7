"""The WhatsApp Cloud API webhook: Meta's handshake on GET, signed events on POST."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_intake import meta
from channels_intake.accounts import WhatsAppNumber, active_accounts
from tickets.models import Channel


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, account: str = "") -> HttpResponse:
    accounts = active_accounts(WhatsAppNumber, account)
    if request.method == "GET":
        return meta.handshake(request, accounts)
    return meta.receive(request, Channel.WHATSAPP, accounts)
