"""Who may handle escalations: supervisors, managers and the head of support — and superusers.

A superuser counts as head of support here even without an agent profile, as the admin already lets
them into the queue; only taking a ticket over needs a profile (the ticket is assigned to an agent).
"""

from __future__ import annotations

from typing import Any

from tickets import access
from tickets.models import Role


def can_supervise(user: Any) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or access.is_supervisor(user))
    )


def can_configure(user: Any) -> bool:
    """Rules and rosters are the managers' and the head's to change; supervisors may read them."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return access.is_agent(user) and user.agent.role in (Role.MANAGER, Role.HEAD)
