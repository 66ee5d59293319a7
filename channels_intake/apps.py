from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsIntakeConfig(AppConfig):
    name = "channels_intake"
    verbose_name = _("Channels")

    def ready(self) -> None:
        # Anymail's inbound and tracking webhooks speak through signals: connect our receivers; register
        # the email channel's system checks and its tasks (Celery only autodiscovers <app>.tasks).
        from channels_intake import registry  # noqa: F401  (the channel checklist as a system check)
        from channels_intake.email import anymail_inbound, checks, tasks, tracking  # noqa: F401
