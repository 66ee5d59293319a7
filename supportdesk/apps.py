from django.apps import AppConfig


class SupportdeskConfig(AppConfig):
    name = "supportdesk"
    verbose_name = "SupportDesk"

    def ready(self) -> None:
        from supportdesk import checks  # noqa: F401  (registers the system checks)
