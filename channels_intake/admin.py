"""Admin registrations of the channel folders (Django only autodiscovers the app's own admin module)."""

from channels_intake.chat import admin as chat_admin  # noqa: F401
