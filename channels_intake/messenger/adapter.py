"""Facebook Messenger webhook payloads (object "page") -> customer messages and read/delivery receipts.

The format is shared with the other Meta messaging channel: see channels_intake.meta_messaging.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels_intake import meta_messaging
from channels_intake.accounts import MetaPage, team_slugs
from channels_intake.messaging import Outcome, Parsed, deliver
from channels_intake.models import InboundEvent
from channels_intake.processing import load_json
from tickets.models import Channel

CHANNEL = Channel.MESSENGER


def parse(payload: Mapping[str, Any], *, teams: Mapping[str, str] | None = None) -> Parsed:
    """Pure: ``teams`` maps our account ids to the slug of the team they feed."""
    return meta_messaging.parse(payload, channel=CHANNEL, teams=teams)


def process(event: InboundEvent) -> Outcome:
    teams = team_slugs(MetaPage, "account_id", channel=CHANNEL)
    return deliver(parse(load_json(event), teams=teams))
