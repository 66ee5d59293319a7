from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tickets import access
from tickets.models import Ticket

# Actions every agent may take on any ticket they can read (tickets.access).
OPEN_TO_EVERY_AGENT = {"notes"}


class IsAgent(BasePermission):
    """Only active users with an agent profile use the API; per ticket, tickets.access decides."""

    message = _("Only SupportDesk agents can use this API.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return access.is_agent(request.user)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if not access.is_agent(request.user):
            return False
        changes = (
            request.method not in SAFE_METHODS and getattr(view, "action", None) not in OPEN_TO_EVERY_AGENT
        )
        if isinstance(obj, Ticket) and changes:
            try:
                access.check_can_work_on(request.user, obj)
            except access.NotYourTicket as refused:
                raise PermissionDenied(str(refused)) from None
        return True
