"""Adapters never raise: whatever JSON arrives, parse returns messages, or says why it could not.

Property tests per adapter: arbitrary JSON, and every real fixture with one part replaced by arbitrary
JSON (which reaches far deeper into the parsers than random objects do). Then, through the real
processing: a malformed event is quarantined at once with its reason; a well-formed event of a kind we
do not handle is ignored with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_intake.instagram.adapter import parse as parse_instagram
from channels_intake.messaging import Parsed
from channels_intake.messenger.adapter import parse as parse_messenger
from channels_intake.models import InboundEvent
from channels_intake.processing import run
from channels_intake.tests.support import ROOT, whatsapp_number
from channels_intake.whatsapp.adapter import parse as parse_whatsapp
from channels_intake.x.adapter import parse as parse_x

ADAPTERS: dict[str, Callable[[Any], Parsed]] = {
    "whatsapp": parse_whatsapp,
    "instagram": parse_instagram,
    "messenger": parse_messenger,
    "x": parse_x,
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
# Keys the providers use, so random objects sometimes look like the real thing.
KEYS = st.sampled_from(
    [
        "entry",
        "changes",
        "value",
        "messages",
        "statuses",
        "messaging",
        "message",
        "sender",
        "id",
        "type",
        "text",
        "timestamp",
        "direct_message_events",
        "message_create",
        "message_data",
        "attachment",
        "media",
        "attachments",
        "payload",
        "errors",
        "contacts",
        "metadata",
        "read",
        "delivery",
        "reaction",
        "postback",
    ]
)
PROVIDER_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=30,
)


def fixtures(channel: str) -> list[Any]:
    return [
        json.loads(path.read_text())
        for path in sorted((ROOT / channel / "tests" / "fixtures").glob("*.json"))
    ]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


@st.composite
def mutated_fixture(draw: st.DrawFn, channel: str) -> Any:
    base = draw(st.sampled_from(fixtures(channel)))
    path = draw(st.sampled_from(list(paths(base))))
    return replaced(base, path, draw(JSON | PROVIDER_LIKE))


def assert_parses_or_explains(parse: Callable[[Any], Parsed], payload: Any) -> None:
    parsed = parse(payload if isinstance(payload, dict) else {"entry": payload})
    assert isinstance(parsed, Parsed)
    if parsed.unparseable:
        assert not parsed.messages and not parsed.statuses


@pytest.mark.parametrize("channel", sorted(ADAPTERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arbitrary_json_never_raises(channel, data):
    payload = data.draw(st.dictionaries(st.text(max_size=12) | KEYS, JSON | PROVIDER_LIKE, max_size=5) | JSON)
    assert_parses_or_explains(ADAPTERS[channel], payload)


@pytest.mark.parametrize("channel", sorted(ADAPTERS))
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_real_payload_with_any_part_replaced_never_raises(channel, data):
    assert_parses_or_explains(ADAPTERS[channel], data.draw(mutated_fixture(channel)))


@pytest.mark.parametrize("channel", sorted(ADAPTERS))
def test_an_entry_that_is_not_an_object_is_unparseable_with_where_and_why(channel):
    payload = {"entry": ["x"], "direct_message_events": ["x"]}
    parsed = ADAPTERS[channel](payload)
    assert "[0] is text, expected an object" in parsed.unparseable


@pytest.mark.django_db
def test_a_malformed_event_is_quarantined_at_once_with_the_reason(personas):
    whatsapp_number()
    event = InboundEvent.objects.create(channel="whatsapp", account="cs-jakarta", body=b'{"entry":["x"]}')
    assert run(event.pk) == InboundEvent.State.QUARANTINED
    event.refresh_from_db()
    assert event.attempts == 1
    assert event.error == "unparseable: entry[0] is text, expected an object"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("channel", "body", "reason"),
    [
        (
            "whatsapp",
            {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "1",
                        "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}],
                    }
                ],
            },
            "ignored: webhook field “account_update” is not handled",
        ),
        (
            "messenger",
            {
                "object": "page",
                "entry": [
                    {
                        "id": "108123456789012",
                        "time": 1,
                        "messaging": [
                            {
                                "sender": {"id": "1"},
                                "recipient": {"id": "108123456789012"},
                                "timestamp": 1,
                                "optin": {"ref": "x"},
                            }
                        ],
                    }
                ],
            },
            "ignored: messaging event “optin” is not handled",
        ),
        (
            "x",
            {"for_user_id": "4337869213", "favorite_events": [{"id": "1"}]},
            "ignored: “favorite_events” events are not handled",
        ),
    ],
)
def test_a_well_formed_event_we_do_not_handle_is_ignored_with_the_reason(personas, channel, body, reason):
    event = InboundEvent.objects.create(channel=channel, account="a", body=json.dumps(body).encode())
    assert run(event.pk) == InboundEvent.State.IGNORED
    event.refresh_from_db()
    assert event.error == reason


def test_the_fixture_folders_exist():
    for channel in ADAPTERS:
        assert fixtures(channel), Path(ROOT / channel)
