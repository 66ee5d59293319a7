"""Every channel with a webhook is registered where its events, files and replies are handled."""

from channels_intake import processing
from channels_intake.registry import check_channel_registrations, webhook_channels


def test_every_channel_with_a_webhook_is_fully_registered():
    assert set(webhook_channels()) >= {"email", "whatsapp", "instagram", "messenger", "x"}
    assert check_channel_registrations() == []


def test_a_channel_missing_from_the_processors_fails_the_system_check_loudly(monkeypatch):
    monkeypatch.delitem(processing.PROCESSORS, "instagram")
    [error] = check_channel_registrations()
    assert error.id == "channels_intake.E201" and "instagram" in error.msg and "pending forever" in error.msg
