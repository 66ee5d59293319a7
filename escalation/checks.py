"""System checks for escalation: settings that would make it fail quietly."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError


@register()
def check_mediation_team(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Disputes' "Minta Bantuan" goes to the mediation team; without it they stay with the ticket's team."""
    from tickets.models import Team

    slug = settings.ESCALATION_MEDIATION_TEAM
    try:
        exists = Team.objects.filter(slug=slug).exists()
    except DatabaseError:  # not migrated yet, or no database: nothing to say
        return []
    if exists:
        return []
    return [
        Warning(
            f"There is no team with the slug '{slug}' (ESCALATION_MEDIATION_TEAM): disputes handed over "
            "with 'Minta Bantuan' stay with the ticket's own team and its supervisors.",
            hint=f"Create the mediation team in the admin (Tickets › Teams, slug '{slug}') and give it "
            "supervisors, or set ESCALATION_MEDIATION_TEAM to the slug of the team that mediates disputes.",
            id="escalation.W001",
        )
    ]
