"""Who may use the escalation admin: staff with the model permissions AND a supervisor role or above."""

from __future__ import annotations

from typing import Any

from tickets import access
from tickets.models import Role


def can_supervise(user: Any) -> bool:
    return bool(user.is_active and (user.is_superuser or access.is_supervisor(user)))


def can_configure(user: Any) -> bool:
    """Rules and rosters are the managers' and the head's to change; supervisors may read them."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return access.is_agent(user) and user.agent.role in (Role.MANAGER, Role.HEAD)
