"""Attachments, streamed to agents only."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404

from tickets.models import Attachment
from tickets.views.desk.common import agent_required

# Shown in the browser; everything else (SVG, HTML, PDF, ...) is a download, so a customer's file never
# runs as a page of ours.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@agent_required
def download_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    try:
        stored = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The stored file is missing.") from None
    response = FileResponse(
        stored,
        content_type=attachment.content_type or "application/octet-stream",
        as_attachment=attachment.content_type not in INLINE_TYPES,
        filename=attachment.filename,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
