"""The widget's HTTP side: the script, its configuration, starting a chat, out-of-hours messages, files,
transcripts, and the polling fallback for browsers that cannot open a WebSocket.

These are called from merchants' pages (cross-origin): each checks the page's origin against the widget's
allowed sites and answers with CORS headers. They authenticate the visitor by the signed token in the
request body, never by cookie, so they need no CSRF token.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from channels_intake.chat import hours, identity, limits, presence, transcript, visitor
from channels_intake.chat.adapter import BadInput
from channels_intake.chat.forms import (
    OfflineMessageForm,
    PreChatForm,
    clean_uploads,
    first_error,
    topics_for,
)
from channels_intake.chat.models import ChatSession, ChatWidget
from channels_intake.chat.strings import back_text, widget_strings
from tickets import access, identities, live
from tickets.attachments import CUSTOMER_UPLOAD_TYPES

WidgetView = Callable[..., HttpResponse]


def widget_endpoint(view: WidgetView) -> WidgetView:
    """Resolve the widget from the URL's key, refuse pages on sites it does not allow, add CORS headers."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
        widget = ChatWidget.objects.select_related("team").filter(public_key=key, active=True).first()
        origin = request.headers.get("Origin", "")
        if widget is None:
            response: HttpResponse = JsonResponse({"error": _("This chat is not available.")}, status=404)
        elif origin and not widget.allows_origin(origin, own_host=request.get_host()):
            return JsonResponse({"error": _("This site may not use this chat.")}, status=403)
        elif request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, POST"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        else:
            language = request.GET.get("lang") or request.POST.get("language") or "id"
            with translation.override("en" if language.startswith("en") else "id"):
                response = view(request, widget, *args, **kwargs)
        if origin:
            response["Access-Control-Allow-Origin"] = origin
            response["Vary"] = "Origin"
        return response

    return wrapper


def _error(message: str, *, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _limited(request: HttpRequest, group: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=settings.CHAT_START_RATE, increment=True)


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """The one script merchants embed: <script src=".../chat/widget.js" data-key="pk_..." async>."""
    path = finders.find("chat/widget.js")
    if not path:
        raise Http404
    with open(str(path), "rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@widget_endpoint
def config(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    language = translation.get_language()
    now_open = hours.availability(widget)
    topics = [{"slug": c.slug, "name": c.name} for c in topics_for(widget)]
    response = JsonResponse(
        {
            "name": widget.name,
            "color": widget.color,
            "greeting": widget.greeting(language),
            "open": now_open.open,
            "back": back_text(now_open.back_at) if now_open.back_at else "",
            "topics": topics,
            "strings": widget_strings(),
            "language": language,
            "socket": f"/ws/chat/{widget.public_key}/",
            "upload": {
                "max_files": settings.CONTACT_FORM_MAX_FILES,
                "max_bytes": settings.CONTACT_FORM_MAX_FILE_BYTES,
                "types": sorted(CUSTOMER_UPLOAD_TYPES),
            },
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _customer(request: HttpRequest, widget: ChatWidget) -> identity.SignedCustomer | None:
    data = {
        field: request.POST.get(f"customer_{field}", "")
        for field in ("id", "email", "name", "timestamp", "signature")
    }
    return identity.verify_customer(widget, data) if data["id"] else None


@widget_endpoint
def start(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """The pre-chat form: a new chat session; returns the visitor token the widget keeps."""
    if request.method != "POST":
        return _error(_("Use POST."), status=405)
    if not hours.availability(widget).open:
        return _error(_("We are offline now. Leave a message instead."), status=409, code="closed")
    if _limited(request, "chat-start"):
        return _error(_("Too many chats from this connection. Please try again later."), status=429)
    if request.POST.get("customer_id") and _customer(request, widget) is None:
        return _error(_("The merchant's sign-in could not be verified. Reload the page."), status=403)
    form = PreChatForm(request.POST, widget=widget, customer=_customer(request, widget))
    if not form.is_valid():
        return _error(_("Please check the form."), fields=first_error(form))
    data = form.cleaned_data
    session = visitor.start_session(
        widget,
        name=data["name"],
        email=data["contact"].get("email", ""),
        phone=data["contact"].get("phone", ""),
        order_ref=data["order_ref"],
        category=data["topic"],
        language=data["language"],
        previous_token=request.POST.get("previous_token", ""),
        customer=form.customer,
    )
    return JsonResponse(
        {"token": identity.visitor_token(session), "state": visitor.state(session)}, status=201
    )


@widget_endpoint
def offline(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """Out of hours: the visitor's message becomes a ticket answered by email."""
    if request.method != "POST":
        return _error(_("Use POST."), status=405)
    if _limited(request, "chat-offline"):
        return _error(_("Too many messages from this connection. Please try again later."), status=429)
    form = OfflineMessageForm(request.POST, widget=widget, customer=_customer(request, widget))
    if not form.is_valid():
        return _error(_("Please check the form."), fields=first_error(form))
    data = form.cleaned_data
    session = visitor.start_session(
        widget,
        name=data["name"],
        email=data["contact"]["email"],
        order_ref=data["order_ref"],
        category=data["topic"],
        language=data["language"],
        previous_token=request.POST.get("previous_token", ""),
        customer=form.customer,
        mode=ChatSession.Mode.OFFLINE,
    )
    try:
        visitor.post_message(session, client_id=request.POST.get("client_id"), text=data["text"])
    except BadInput as error:
        return _error(str(error))
    return JsonResponse(
        {
            "token": identity.visitor_token(session),
            "message": _("Thank you. We will answer by email at %(email)s.") % {"email": session.email},
        },
        status=201,
    )


def _deliver(session: ChatSession, outcome: visitor.Outcome) -> None:
    for event in outcome.ticket_events:
        live.send_to_groups([live.ticket_group(event["ticket"])], event)
    for event in outcome.session_events:
        live.send_to_groups([session.group], event)


def _snapshot(session: ChatSession, after: int) -> dict[str, Any]:
    session.refresh_from_db()
    messages, earlier = visitor.window(session, after)
    snapshot: dict[str, Any] = {
        "state": visitor.state(session),
        "messages": [visitor.serialize(m, session) for m in messages],
        "earlier": earlier,
    }
    ticket_id = visitor.conversation_ticket_id(session)
    typing = presence.agent_typing(ticket_id) if ticket_id else None
    snapshot["typing"] = {"on": typing is not None, "name": typing or ""}
    return snapshot


@widget_endpoint
def rpc(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """The polling fallback: the same frames as the WebSocket, one per request, plus what is new.

    The body is JSON sent as text/plain ({token, after, frame}), which browsers send cross-origin
    without a preflight request.
    """
    if request.method != "POST":
        return _error(_("Use POST."), status=405)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(_("Unknown request."))
    if not isinstance(body, dict):
        return _error(_("Unknown request."))
    session = identity.session_for_token(body.get("token"), widget)
    if session is None:
        return _error(
            _("This chat is not available any more. Start a new chat."), status=401, code="unauthorised"
        )
    frame = body.get("frame")
    if not isinstance(frame, dict):
        frame = {"type": "poll"}
    try:
        outcome = visitor.handle(session, frame)
    except BadInput as error:
        return _error(str(error), client_id=frame.get("client_id"), code=error.code)
    _deliver(session, outcome)
    after = body.get("after")
    return JsonResponse(
        {"replies": outcome.replies, **_snapshot(session, after if isinstance(after, int) else 0)}
    )


@widget_endpoint
def upload(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """Files from the widget, with the contact form's rules; they arrive as a chat message."""
    if request.method != "POST":
        return _error(_("Use POST."), status=405)
    session = identity.session_for_token(request.POST.get("token"), widget)
    if session is None:
        return _error(
            _("This chat is not available any more. Start a new chat."), status=401, code="unauthorised"
        )
    try:
        limits.check(session.pk)
        files = clean_uploads(request.FILES.getlist("file"))
        message = visitor.post_message(
            session,
            client_id=request.POST.get("client_id"),
            text=request.POST.get("text", ""),
            attachments=files,
        )
    except BadInput as error:
        return _error(str(error), client_id=request.POST.get("client_id"), code=error.code)
    _deliver(session, visitor.Outcome(session_events=[{"type": "chat.changed"}]))
    return JsonResponse({"id": message.pk, "client_id": request.POST.get("client_id")}, status=201)


@widget_endpoint
def transcript_request(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """Email me the transcript: to the address given (or the one from the pre-chat form), once per chat."""
    if request.method != "POST":
        return _error(_("Use POST."), status=405)
    session = identity.session_for_token(request.POST.get("token"), widget)
    if session is None:
        return _error(
            _("This chat is not available any more. Start a new chat."), status=401, code="unauthorised"
        )
    if session.transcript_sent_at is not None:
        return _error(_("The transcript was already sent."), status=409)
    try:
        email = identities.normalise_email(request.POST.get("email") or session.email)
    except ValidationError:
        return _error(
            _("Please give a valid email address."), fields={"email": _("Please give a valid email address.")}
        )
    transcript.request_transcript(session, email=email)
    return JsonResponse(
        {"message": _("We are sending the transcript to %(email)s.") % {"email": email}}, status=202
    )


@require_GET
def file(request: HttpRequest, token: str) -> FileResponse:
    """A file in the visitor's chat, by signed link (the widget shows these)."""
    attachment = identity.attachment_for_file_token(token)
    if attachment is None:
        raise Http404("This link is not valid or has expired.")
    inline = attachment.content_type in {"image/png", "image/jpeg"}
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    """A pretend merchant page with the widget, for agents to try the chat (and for `make run`)."""
    if not access.is_agent(request.user):
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    widgets = ChatWidget.objects.filter(active=True)
    widget = widgets.filter(public_key=request.GET.get("key", "")).first() or widgets.first()
    return render(request, "chat/demo.html", {"widget": widget, "widgets": widgets})
