"""X Account Activity payloads on disk -> messages; OAuth signing checked against X's example."""

from channels_intake.tests.support import X_CONSUMER_SECRET, fixture
from channels_intake.x.adapter import parse
from channels_intake.x.oauth import authorization_header
from tickets.models import DeliveryStatus, IdentityKind

URL = "/intake/x/"
CUSTOMER = "3001969357"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x02" * 64


def test_oauth_signatures_match_xs_documented_example():
    header = authorization_header(
        "POST",
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
        consumer_key="xvz1evFS4wEEPTGEFPHBog",
        consumer_secret=X_CONSUMER_SECRET,
        token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        token_secret="LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        form={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
    )
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header


def test_a_dm_becomes_a_message_from_the_x_user_with_their_name():
    [message] = parse(fixture("x", "dm_text"), teams={"4337869213": "buyers"}).messages
    assert message.channel == "x" and message.external_id == "1859990001234567890"
    assert message.sender.kind == IdentityKind.X and message.sender.address == CUSTOMER
    assert message.sender.name == "Rina Wijaya" and message.metadata["screen_name"] == "rinawijaya"
    assert message.team_slug == "buyers" and "INV/20241120/MPL/3600000001" in message.text


def test_a_photo_dm_keeps_the_text_and_the_media_to_download():
    from django.utils import translation

    with translation.override("en"):
        [message] = parse(fixture("x", "dm_photo")).messages
    assert message.text == "[Image] Ini buktinya"
    assert message.metadata["media"][0]["url"].startswith("https://ton.twitter.com/")


def test_quick_replies_our_own_sends_typing_and_reads():
    assert (
        parse(fixture("x", "dm_quick_reply")).messages[0].metadata["quick_reply"]["metadata"]
        == "topic_refund"
    )
    own = parse(fixture("x", "dm_own_send"))
    assert own.empty and own.ignored == 1
    assert parse(fixture("x", "dm_typing")).empty
    [mark] = parse(fixture("x", "dm_read")).watermarks
    assert mark.address == CUSTOMER and mark.status == DeliveryStatus.READ
