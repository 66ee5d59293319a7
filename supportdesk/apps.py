from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportdeskConfig(AppConfig):
    name = "supportdesk"
    verbose_name = _("SupportDesk")

    def ready(self) -> None:
        from supportdesk import checks  # noqa: F401  (registers the system checks)
