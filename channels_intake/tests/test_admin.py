"""Admins set up numbers, pages and templates; stored secrets are never shown back."""

import pytest
from django.core.exceptions import ValidationError

from channels_intake.accounts import WhatsAppNumber, WhatsAppTemplate
from channels_intake.tests.support import whatsapp_number
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    client.login(username=personas.admin.username, password=PASSWORD)
    return client


def test_the_change_page_never_shows_a_stored_token(admin_client, personas):
    number = whatsapp_number(team=personas.team)
    page = admin_client.get(f"/admin/channels_intake/whatsappnumber/{number.pk}/change/")
    assert page.status_code == 200
    assert number.access_token.encode() not in page.content
    assert number.app_secret.encode() not in page.content


def test_saving_with_empty_secrets_keeps_them_and_a_new_value_replaces_them(admin_client, personas):
    number = whatsapp_number(team=personas.team)
    form = {
        "name": "CS Jakarta",
        "slug": "cs-jakarta",
        "team": personas.team.pk,
        "active": "on",
        "phone_number_id": number.phone_number_id,
        "display_phone_number": "6281100000000",
        "business_account_id": "",
        "access_token": "",
        "app_secret": "new-app-secret",
        "verify_token": number.verify_token,
    }
    response = admin_client.post(f"/admin/channels_intake/whatsappnumber/{number.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = WhatsAppNumber.objects.get()
    assert saved.access_token == number.access_token
    assert saved.app_secret == "new-app-secret"


def test_a_template_must_number_its_placeholders_and_name_each_variable():
    with pytest.raises(ValidationError, match="without gaps"):
        WhatsAppTemplate(name="t", body="Halo {{1}}, pesanan {{3}}").clean()
    with pytest.raises(ValidationError, match="2 placeholders"):
        WhatsAppTemplate(name="t", body="Halo {{1}}, pesanan {{2}}", variables="Nama").clean()
    template = WhatsAppTemplate(name="t", body="Halo {{1}}, pesanan {{2}}", variables="Nama, Nomor pesanan")
    template.clean()
    assert template.variable_names == ["Nama", "Nomor pesanan"] and template.variable_count == 2
