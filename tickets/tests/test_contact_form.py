"""The public contact form: what the support policy allows, and the one ticket it opens."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from tickets.forms.public import new_submission_token
from tickets.models import Category, Channel, IdentityKind, Message, RequesterRole, Ticket
from tickets.tests.conftest import new_customer_client
from tickets.tests.uploads import MAX_BYTES, padded, upload

pytestmark = pytest.mark.django_db
CONTACT = "/contact/"


def form_data(**overrides):
    data = {
        "requester_role": RequesterRole.BUYER,
        "category": "refund",
        "name": "Budi Santoso",
        "email": "Budi@Example.test",
        "phone": "0812-3456-7890",
        "order_ref": "INV/20240101/MPL/3612345678",
        "description": "Saya sudah membayar tapi barangnya rusak, mohon pengembalian dana.",
        "submission": new_submission_token(),
        "website": "",
    }
    data.update(overrides)
    return data


def test_the_form_offers_active_topics_in_indonesian_by_default_whatever_the_browser_says():
    Category.objects.filter(slug="feedback").update(active=False)
    client = new_customer_client(language="")
    response = client.get(CONTACT, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()
    assert "Pengembalian dana" in response.content.decode()
    assert "Barang salah kirim" in response.content.decode()
    assert "Masukan / saran" not in response.content.decode()


def test_the_form_offers_topics_in_english_after_the_language_switch():
    client = new_customer_client(language="")
    switch = client.get(f"{CONTACT}?language=en")
    assert switch.status_code == 302 and switch["Location"] == CONTACT
    page = client.get(CONTACT).content.decode()
    assert '<html lang="en">' in page
    assert 'value="refund" data-concerns-order="true">Refund</option>' in page
    assert 'value="account">Account / login</option>' in page
    assert 'value="wrong-item" data-concerns-order="true">Wrong item received</option>' in page


def test_a_message_opens_one_web_ticket_for_the_customer(customer):
    response = customer.post(CONTACT, form_data(requester_role=RequesterRole.SELLER))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith("/contact/thanks/")
    assert ticket.channel == Channel.WEB
    assert ticket.category.slug == "refund"
    assert ticket.requester_role == RequesterRole.SELLER
    assert ticket.order_ref == "INV/20240101/MPL/3612345678"
    assert ticket.subject.startswith("Refund: Saya sudah membayar tapi barangnya rusak")
    identities = {(i.kind, i.address) for i in ticket.contact.identities.all()}
    assert identities == {(IdentityKind.EMAIL, "budi@example.test"), (IdentityKind.PHONE, "+6281234567890")}
    assert ticket.contact.name == "Budi Santoso"
    assert ticket.contact.language == "en"
    message = ticket.messages.get()
    assert message.text.startswith("Saya sudah membayar")
    assert message.external_id.startswith("contact-form:")


def test_the_thank_you_page_shows_the_reference_what_happens_next_and_the_status_link(customer):
    response = customer.post(CONTACT, form_data(), follow=True)
    ticket = Ticket.objects.get()
    page = response.content.decode()
    assert ticket.reference in page
    assert "5–15 minutes" in page and "1–2 working hours" in page and "up to 2 working days" in page
    assert "never ask for your password, PIN or OTP code" in page
    link = re.search(r'id="status-link" href="([^"]+)"', page).group(1)
    assert customer.get(link).status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_acknowledgement_email_has_the_reference_and_a_status_link_that_opens_the_ticket(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer.post(CONTACT, form_data())
    ticket = Ticket.objects.get()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["budi@example.test"]
    assert ticket.reference in mail.subject and ticket.reference in mail.body
    url = re.search(r"https?://\S+/status/\S+/", mail.body).group(0)
    response = new_customer_client().get(urlsplit(url).path)
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()
    assert "barangnya rusak" in response.content.decode()


@pytest.mark.parametrize("fixture", ["tiny.png", "tiny.jpg", "tiny.pdf"])
def test_a_file_of_exactly_4_5_mb_is_accepted(customer, fixture):
    content = padded(fixture, MAX_BYTES)
    response = customer.post(CONTACT, form_data(attachments=[upload(fixture, content)]))
    assert response.status_code == 302
    stored = Ticket.objects.get().messages.get().attachments.get()
    assert stored.size == MAX_BYTES
    assert stored.filename == fixture
    assert stored.file.read() == content


@pytest.mark.parametrize("fixture", ["tiny.png", "tiny.jpg", "tiny.pdf"])
def test_a_file_one_byte_over_4_5_mb_is_refused_next_to_the_field(customer, fixture):
    response = customer.post(
        CONTACT, form_data(attachments=[upload(fixture, padded(fixture, MAX_BYTES + 1))])
    )
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    errors = response.context["form"].errors["attachments"]
    assert [error.replace("\xa0", " ") for error in errors] == [
        f"“{fixture}” is larger than 4.5 MB, the most we accept per file. Please send a smaller file, "
        "for example a screenshot instead of a photo."
    ]
    assert 'id="id_attachments_error"' in response.content.decode()


def test_a_windows_program_renamed_to_png_is_refused_by_its_content(customer):
    evil = upload("windows-program.exe", as_name="bukti-transfer.png")
    response = customer.post(CONTACT, form_data(attachments=[upload("tiny.png"), evil]))
    assert not Ticket.objects.exists()
    errors = response.context["form"].errors["attachments"]
    assert len(errors) == 1
    assert errors[0].startswith("“bukti-transfer.png” is not a JPG, PNG or PDF file")


def test_a_real_image_of_another_type_is_refused(customer):
    response = customer.post(CONTACT, form_data(attachments=[upload("tiny.gif", as_name="foto.jpg")]))
    assert not Ticket.objects.exists()
    assert "“foto.jpg” is not a JPG, PNG or PDF file" in response.context["form"].errors["attachments"][0]


def test_a_pdf_named_like_an_image_is_accepted_because_its_content_is_allowed(customer):
    customer.post(CONTACT, form_data(attachments=[upload("tiny.pdf", as_name="scan.png")]))
    assert Ticket.objects.get().messages.get().attachments.get().content_type == "application/pdf"


def test_five_files_are_accepted_and_six_are_refused(customer):
    five = [upload(name) for name in ("tiny.png", "tiny.jpg", "tiny.pdf", "tiny.png", "tiny.jpg")]
    assert customer.post(CONTACT, form_data(attachments=five)).status_code == 302
    assert Ticket.objects.get().messages.get().attachments.count() == 5

    six = [upload("tiny.png") for _ in range(6)]
    response = customer.post(CONTACT, form_data(attachments=six))
    assert Ticket.objects.count() == 1
    assert response.context["form"].errors["attachments"] == [
        "You chose 6 files; you can attach at most 5 files."
    ]


def test_an_order_topic_requires_the_order_number(customer):
    response = customer.post(CONTACT, form_data(category="not-received", order_ref="  "))
    assert not Ticket.objects.exists()
    assert response.context["form"].errors["order_ref"] == [
        "Please give the order number: we need it to look into “Product not received”."
    ]


def test_a_topic_that_concerns_no_order_needs_no_order_number(customer):
    response = customer.post(CONTACT, form_data(category="account", order_ref=""))
    assert response.status_code == 302
    assert Ticket.objects.get().order_ref == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(021) 555-1234", "+62215551234"),
        ("(0812) 3456-7890", "+6281234567890"),
        ("812-3456-7890", "+6281234567890"),
    ],
)
def test_landlines_and_mobiles_written_as_customers_write_them_are_accepted(customer, typed, stored):
    response = customer.post(CONTACT, form_data(phone=typed))
    assert response.status_code == 302
    assert Ticket.objects.get().contact.phone == stored


def test_an_invalid_phone_number_is_refused_next_to_the_field(customer):
    response = customer.post(CONTACT, form_data(phone="12"))
    assert not Ticket.objects.exists()
    assert response.context["form"].errors["phone"] == [
        "12 is not a valid phone number. Write it with its area code, e.g. 0812 3456 7890."
    ]


def test_everything_typed_is_kept_on_error_and_the_customer_is_told_to_choose_files_again(customer):
    data = form_data(email="budi@", requester_role=RequesterRole.SELLER, category="refund")
    response = customer.post(CONTACT, {**data, "attachments": [upload("tiny.png")]})
    page = response.content.decode()
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    assert 'value="Budi Santoso"' in page
    assert 'value="budi@"' in page
    assert 'value="0812-3456-7890"' in page
    assert 'value="INV/20240101/MPL/3612345678"' in page
    assert "barangnya rusak, mohon pengembalian dana.</textarea>" in page
    assert re.search(r'value="refund"[^>]*selected', page)
    assert re.search(r'value="seller"[^>]*checked', page)
    assert f'value="{data["submission"]}"' in page
    assert "Please choose your files again" in page
    assert "Your message was not sent yet." in page


def test_a_bot_that_fills_the_honeypot_gets_a_normal_page_and_no_ticket(customer, mailoutbox):
    response = customer.post(CONTACT, form_data(website="http://cheap-followers.example"), follow=True)
    assert response.status_code == 200
    assert "Thank you, we have your message" in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Message.objects.exists()
    assert mailoutbox == []


def test_the_honeypot_is_hidden_from_people(customer):
    page = customer.get(CONTACT).content.decode()
    assert re.search(r'<div class="field hp" aria-hidden="true">\s*<label for="id_website">', page)
    assert 'name="website" autocomplete="off" tabindex="-1"' in page


@override_settings(CONTACT_FORM_RATE="2/h", RATELIMIT_ENABLE=True)
def test_too_many_messages_from_one_address_get_429_with_a_clear_message_and_values_kept(customer):
    assert customer.post(CONTACT, form_data()).status_code == 302
    assert customer.post(CONTACT, form_data()).status_code == 302
    response = customer.post(CONTACT, form_data(description="Ketiga kalinya saya menulis."))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many messages from your connection." in page
    assert "Ketiga kalinya saya menulis.</textarea>" in page
    assert Ticket.objects.count() == 2
    # Another customer is not affected, and reading the form is never limited.
    assert customer.get(CONTACT).status_code == 200
    assert new_customer_client().post(CONTACT, form_data()).status_code == 302


@override_settings(CONTACT_FORM_RATE="2/h", RATELIMIT_ENABLE=True)
def test_a_customer_fixing_their_form_is_not_rate_limited_for_the_failed_tries(customer):
    # A file too big, then a wrong email, then a missing order number: three corrections, then it works.
    too_big = upload("tiny.png", padded("tiny.png", MAX_BYTES + 1))
    assert customer.post(CONTACT, form_data(attachments=[too_big])).status_code == 200
    assert customer.post(CONTACT, form_data(email="budi@")).status_code == 200
    assert customer.post(CONTACT, form_data(order_ref="")).status_code == 200
    assert customer.post(CONTACT, form_data()).status_code == 302
    assert customer.post(CONTACT, form_data()).status_code == 302
    assert customer.post(CONTACT, form_data()).status_code == 429  # the allowance counts what was sent
    assert Ticket.objects.count() == 2


@override_settings(CONTACT_FORM_RATE="2/h", RATELIMIT_ENABLE=True)
def test_a_flood_of_invalid_submissions_is_still_limited(customer):
    # Failed tries have their own allowance, five times the rate: a bot posting garbage is stopped.
    statuses = [customer.post(CONTACT, form_data(email="x@")).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert "Too many messages from your connection." in customer.post(CONTACT, form_data()).content.decode()


def test_sending_the_same_form_twice_opens_one_ticket(
    customer, mailoutbox, django_capture_on_commit_callbacks
):
    data = form_data(attachments=None)
    data.pop("attachments")
    with django_capture_on_commit_callbacks(execute=True):
        first = customer.post(CONTACT, {**data, "attachments": [upload("tiny.png")]})
    with django_capture_on_commit_callbacks(execute=True):
        second = customer.post(CONTACT, {**data, "attachments": [upload("tiny.png")]})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == 1
    assert ticket.messages.get().attachments.count() == 1
    assert len(mailoutbox) == 1


def test_a_different_message_reusing_a_sent_forms_id_is_refused_not_swallowed(customer):
    data = form_data()
    customer.post(CONTACT, data)
    response = customer.post(CONTACT, {**data, "description": "Satu hal lagi: alamat saya berubah."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This form was already sent once." in page
    assert "Satu hal lagi: alamat saya berubah.</textarea>" in page
    new_id = response.context["form"].data["submission"]
    assert new_id != data["submission"]
    assert (
        customer.post(CONTACT, {**data, "submission": new_id, "description": "Alamat berubah."}).status_code
        == 302
    )
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize("submission", ["<script>", ""])
def test_a_tampered_or_missing_submission_id_is_refused_and_replaced(customer, submission):
    data = form_data(submission=submission)
    response = customer.post(CONTACT, data)
    assert not Ticket.objects.exists()
    assert "This form has expired." in response.content.decode()
    renewed = response.context["form"].data["submission"]
    assert renewed and renewed != submission
    assert customer.post(CONTACT, {**data, "submission": renewed}).status_code == 302


def test_the_form_page_is_never_cached_and_loads_nothing_from_elsewhere(customer):
    response = customer.get(CONTACT)
    assert "no-store" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_a_thank_you_link_with_an_altered_token_is_a_friendly_404(customer):
    customer.post(CONTACT, form_data())
    ticket = Ticket.objects.get()
    url = reverse("tickets:contact_thanks", kwargs={"token": f"{ticket.pk + 1}:forged"})
    response = customer.get(url)
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert not re.search(rf"{re.escape(ticket.reference)}(?!\d)", response.content.decode())
