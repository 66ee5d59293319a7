"""Every WhatsApp payload type on disk becomes readable text, references and metadata."""

import datetime as dt

import pytest
from django.utils import translation

from channels_intake.tests.support import fixture
from channels_intake.whatsapp.adapter import parse
from tickets.models import DeliveryStatus, IdentityKind


@pytest.fixture(autouse=True)
def english():
    # Placeholders are written in the site's language (Indonesian by default); these tests read English.
    with translation.override("en"):
        yield


def only_message(name):
    parsed = parse(fixture("whatsapp", name), teams={"106540352242922": "buyers"})
    assert len(parsed.messages) == 1 and not parsed.statuses
    return parsed.messages[0]


def test_a_text_message_carries_sender_name_time_team_and_wamid():
    message = only_message("text")
    assert message.channel == "whatsapp"
    assert message.external_id.startswith("wamid.")
    assert message.sender.kind == IdentityKind.PHONE
    assert message.sender.address == "+6281234567890"  # international: WhatsApp ids carry no plus
    assert message.sender.name == "Budi Santoso"
    assert "INV/20241122/MPL/3612345678" in message.text
    assert message.sent_at == dt.datetime(2024, 11, 22, 8, 0, tzinfo=dt.UTC)
    assert message.team_slug == "buyers"
    assert message.metadata["account"] == "106540352242922"


@pytest.mark.parametrize(
    ("name", "kind", "placeholder", "media_id"),
    [
        ("image", "image", "[Image] Paketnya rusak", "1003383421387256"),
        ("audio", "audio", "[Voice or audio message]", "1508241716589457"),
        ("video", "video", "[Video] Videonya waktu dibuka", "845230923911587"),
        ("document", "document", "[Document] Bukti transfer", "1187362098820139"),
        ("sticker", "sticker", "[Sticker]", "903245018832945"),
    ],
)
def test_media_messages_get_a_placeholder_and_a_reference_to_download(name, kind, placeholder, media_id):
    message = only_message(name)
    assert message.text == placeholder
    [media] = message.metadata["media"]
    assert media["kind"] == kind and media["media_id"] == media_id and media["key"] == media_id
    assert message.attachments == ()  # downloaded later, by the media task


def test_a_document_keeps_its_file_name():
    assert only_message("document").metadata["media"][0]["filename"] == "bukti-transfer.pdf"


def test_a_location_becomes_its_name_address_and_a_map_link():
    message = only_message("location")
    assert "Kantor Pos Kebayoran Baru" in message.text
    assert "https://maps.google.com/?q=-6.2250138,106.7996793" in message.text


def test_a_contact_card_lists_name_phone_and_email():
    text = only_message("contacts").text
    assert "Sari Kurir" in text and "+62 811-2233-4455" in text and "sari.kurir@example.test" in text


def test_interactive_replies_read_as_the_chosen_option_and_point_at_our_message():
    button = only_message("interactive_button_reply")
    assert button.text == "Sudah diterima"
    assert button.references == (button.metadata["reply_to"],)
    listed = only_message("interactive_list_reply")
    assert listed.text == "Pengembalian dana — Dana belum masuk"


def test_a_template_quick_reply_button_reads_as_its_text():
    assert only_message("button").text == "Lacak pesanan"


def test_a_reaction_names_the_emoji_and_refers_to_the_reacted_message():
    message = only_message("reaction")
    assert "👍" in message.text
    assert message.references == ("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjAOURMSG0001",)


def test_a_reply_refers_to_the_quoted_message():
    message = only_message("reply")
    assert message.references == ("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjATEXT0001AA",)
    assert message.text == "Yang ini kak, belum sampai juga"


def test_an_unsupported_message_is_kept_with_a_clear_placeholder():
    message = only_message("unsupported")
    assert "does not pass on" in message.text and "Message type unknown" in message.text
    assert message.external_id


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("status_sent", DeliveryStatus.SENT),
        ("status_delivered", DeliveryStatus.DELIVERED),
        ("status_read", DeliveryStatus.READ),
        ("status_failed", DeliveryStatus.FAILED),
    ],
)
def test_status_callbacks_become_status_updates(name, status):
    parsed = parse(fixture("whatsapp", name))
    [update] = parsed.statuses
    assert not parsed.messages
    assert update.status == status
    assert update.external_id.startswith("wamid.")


def test_a_failed_status_explains_the_expired_window_with_metas_code():
    [update] = parse(fixture("whatsapp", "status_failed")).statuses
    assert "24 hours" in update.error and "131047" in update.error


def test_a_failed_status_shows_the_code_the_title_and_the_details():
    [update] = parse(fixture("whatsapp", "status_failed")).statuses
    assert update.error.endswith(
        "131047 — Re-engagement message: Message failed to send because more than 24 hours have passed "
        "since the customer last replied to this number."
    )
    assert update.error.startswith("More than 24 hours have passed")  # our sentence for the agent first


def test_a_failed_status_with_only_a_title_or_only_details_shows_what_there_is():
    payload = fixture("whatsapp", "status_failed")
    problem = payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]
    problem.update({"code": 131999, "title": "Something odd", "message": "Something odd"})
    del problem["error_data"]
    [update] = parse(payload).statuses
    assert update.error == "131999 — Something odd"
    problem.update({"title": "", "message": "", "error_data": {"details": "Only details"}})
    [update] = parse(payload).statuses
    assert update.error == "131999 — Only details"
