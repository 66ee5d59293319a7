"""POST /intake/email/raw/: a mail server pipes raw MIME (message/rfc822) to us.

Authenticated by ``Authorization: Bearer <EMAIL_INTAKE_TOKEN>``; without it: 401 and nothing stored.
The message is stored at once and processed by a task, so the answer (202) comes fast and a message
that later turns out unreadable is quarantined, not refused: the sender's server must not retry it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_intake.email.intake import oversize_stub, store_raw

ACCEPTED_TYPES = {"message/rfc822", "application/octet-stream", "text/plain"}


def _authorised(request: HttpRequest) -> bool:
    token = settings.EMAIL_INTAKE_TOKEN
    scheme, _sep, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and constant_time_compare(given.strip(), token)


@csrf_exempt
@require_POST
def raw_intake(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        response = JsonResponse({"error": "A valid bearer token is required."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="email-intake"'
        return response
    if request.content_type not in ACCEPTED_TYPES:
        return JsonResponse({"error": "Send the raw message as message/rfc822."}, status=415)
    limit = settings.EMAIL_MAX_RAW_BYTES
    raw = request.read(limit + 1)
    if len(raw) > limit:
        size = len(raw)
        while chunk := request.read(1 << 20):  # learn the size; the rest is not kept
            size += len(chunk)
        raw = oversize_stub(raw[:262144], size)
    if not raw.strip():
        return JsonResponse({"error": "The request body is empty."}, status=400)
    event = store_raw(raw, source="raw")
    return JsonResponse({"event": event.pk}, status=202)
