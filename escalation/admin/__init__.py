"""The supervisors' admin: the escalation work queue, its actions, and the rules and rosters behind it."""

from escalation.admin import config, queue  # noqa: F401  (registers the ModelAdmins)
