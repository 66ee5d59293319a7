"""Messenger webhook payloads on disk -> messages, receipts; echoes of our own sends ignored."""

import datetime as dt

import pytest
from django.utils import translation

from channels_intake.messenger.adapter import parse
from channels_intake.tests.support import fixture
from tickets.models import DeliveryStatus, IdentityKind

PSID = "6745879123456789"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def only(name):
    parsed = parse(fixture("messenger", name), teams={"108123456789012": "buyers"})
    assert len(parsed.messages) == 1, parsed
    return parsed.messages[0]


def test_a_text_message_has_the_page_scoped_id_millisecond_time_and_team():
    message = only("text")
    assert message.sender.kind == IdentityKind.MESSENGER and message.sender.address == PSID
    assert message.text == "Halo min, paket saya belum datang"
    assert message.sent_at == dt.datetime(2024, 11, 22, 8, 0, 0, 123000, tzinfo=dt.UTC)
    assert message.team_slug == "buyers"
    assert message.metadata["account"] == "108123456789012" and message.metadata["profile_lookup"]


@pytest.mark.parametrize(
    ("name", "placeholder", "kind"),
    [
        ("image", "[Image]", "image"),
        ("video", "[Video]", "video"),
        ("audio", "[Voice or audio message]", "audio"),
        ("file", "[File]", "file"),
        ("sticker", "[Sticker]", "sticker"),
    ],
)
def test_attachments_are_placeholders_with_their_cdn_url_to_download(name, placeholder, kind):
    message = only(name)
    assert message.text == placeholder
    [media] = message.metadata["media"]
    assert media["kind"] == kind and media["url"].startswith("https://")


def test_a_shared_link_shows_its_title_and_url():
    message = only("fallback")
    assert "Sepatu Lari Pria" in message.text and "https://toko.example/p/123" in message.text
    assert "media" not in message.metadata


def test_quick_replies_and_postbacks_read_as_what_was_tapped():
    assert only("quick_reply").metadata["quick_reply"] == {"payload": "ORDER_STATUS"}
    postback = only("postback")
    assert postback.text == "Hubungi CS" and postback.external_id.endswith("PBK")


def test_a_reply_and_a_reaction_refer_to_their_message():
    assert only("reply").references[0].endswith("TXT")
    reaction = only("reaction")
    assert "❤️" in reaction.text and reaction.references == ("m_our-reply-1",)
    assert reaction.external_id.startswith("reaction:m_our-reply-1:")


def test_echoes_of_our_own_sends_are_ignored():
    parsed = parse(fixture("messenger", "echo"))
    assert parsed.empty and parsed.ignored == 1


def test_delivery_receipts_name_messages_and_a_watermark():
    parsed = parse(fixture("messenger", "delivery"))
    [status] = parsed.statuses
    assert status.external_id == "m_our-reply-1" and status.status == DeliveryStatus.DELIVERED
    assert parsed.watermarks[0].status == DeliveryStatus.DELIVERED


def test_a_read_receipt_is_a_watermark_for_everything_sent_before_it():
    [mark] = parse(fixture("messenger", "read")).watermarks
    assert mark.status == DeliveryStatus.READ and mark.address == PSID
    assert mark.up_to == dt.datetime(2024, 11, 22, 8, 0, 2, 123000, tzinfo=dt.UTC)
