"""Instagram DM webhook payloads on disk -> messages and read receipts."""

import pytest
from django.utils import translation

from channels_intake.instagram.adapter import parse
from channels_intake.tests.support import fixture
from tickets.models import DeliveryStatus, IdentityKind


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def only(name):
    parsed = parse(fixture("instagram", name))
    assert len(parsed.messages) == 1, parsed
    return parsed.messages[0]


def test_a_text_dm_comes_from_the_instagram_scoped_id():
    message = only("text")
    assert message.channel == "instagram"
    assert message.sender.kind == IdentityKind.INSTAGRAM and message.sender.address == "1254459154682919"
    assert message.text == "Kak, ukuran 42 masih ada?"


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [("image", "[Image]"), ("video", "[Video]"), ("audio", "[Voice or audio message]")],
)
def test_media_dms_are_downloaded_from_their_url(name, placeholder):
    message = only(name)
    assert message.text == placeholder
    assert message.metadata["media"][0]["url"].startswith("https://lookaside.fbsbx.com/")


def test_a_story_mention_keeps_the_story_to_download():
    message = only("story_mention")
    assert message.text == "[Mentioned us in their story]"
    assert message.metadata["media"][0]["kind"] == "story_mention"


def test_a_story_reply_shows_the_story_link_and_the_text():
    message = only("story_reply")
    assert message.text.startswith("[Replied to your story] https://lookaside.fbsbx.com/")
    assert message.text.endswith("Ini masih ready kak?")
    assert message.metadata["story"]["id"] == "17912345678901240"


@pytest.mark.parametrize(
    ("name", "label"), [("share", "[Shared a post]"), ("ig_reel", "[Shared a reel] Unboxing sepatu #review")]
)
def test_shared_posts_and_reels_are_links_not_downloads(name, label):
    message = only(name)
    assert message.text.startswith(label) and "media" not in message.metadata


def test_replies_quick_replies_postbacks_and_reactions():
    assert only("reply").references[0].endswith("TXT")
    assert only("quick_reply").metadata["quick_reply"]["payload"] == "TRACK_ORDER"
    assert only("postback").text == "Bicara dengan CS"
    assert only("reaction").references == ("m_our-ig-reply-1",)


def test_an_unsupported_dm_is_kept_with_a_placeholder():
    assert "does not pass on" in only("unsupported").text


def test_echoes_and_unsent_messages_need_no_ticket():
    for name in ("echo", "deleted"):
        parsed = parse(fixture("instagram", name))
        assert parsed.empty and parsed.ignored == 1


def test_a_read_receipt_names_our_message():
    [status] = parse(fixture("instagram", "read")).statuses
    assert status.external_id == "m_our-ig-reply-1" and status.status == DeliveryStatus.READ
