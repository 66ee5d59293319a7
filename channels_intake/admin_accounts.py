"""Admin for the message channels: numbers, pages, X accounts and WhatsApp templates (imported by admin.py).

Secrets are write-only: the form never sends a stored token back to the browser, and leaving a
secret field empty keeps the stored value.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from channels_intake.accounts import MetaPage, WhatsAppNumber, WhatsAppTemplate, XAccount
from channels_intake.statuses import PendingStatus

ACCOUNT_FIELDS = ("name", "slug", "team", "active")


class SecretFieldsForm(forms.ModelForm):
    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            if self.instance.pk:
                field.required = False
                field.help_text = _("Stored. Leave empty to keep it; type a new value to replace it.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.secret_fields:
            if self.instance.pk and not cleaned.get(name):
                cleaned[name] = getattr(type(self.instance).objects.get(pk=self.instance.pk), name)
        return cleaned


class WhatsAppNumberForm(SecretFieldsForm):
    secret_fields = ("access_token", "app_secret")

    class Meta:
        model = WhatsAppNumber
        fields = (
            *ACCOUNT_FIELDS,
            "phone_number_id",
            "display_phone_number",
            "business_account_id",
            "access_token",
            "app_secret",
            "verify_token",
        )


class MetaPageForm(SecretFieldsForm):
    secret_fields = ("access_token", "app_secret")

    class Meta:
        model = MetaPage
        fields = (*ACCOUNT_FIELDS, "channel", "account_id", "access_token", "app_secret", "verify_token")


class XAccountForm(SecretFieldsForm):
    secret_fields = ("consumer_secret", "access_token", "access_token_secret")

    class Meta:
        model = XAccount
        fields = (
            *ACCOUNT_FIELDS,
            "user_id",
            "screen_name",
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
        )


@admin.register(WhatsAppNumber)
class WhatsAppNumberAdmin(admin.ModelAdmin):
    form = WhatsAppNumberForm
    list_display = ("name", "display_phone_number", "phone_number_id", "team", "active")
    list_filter = ("active", "team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(MetaPage)
class MetaPageAdmin(admin.ModelAdmin):
    form = MetaPageForm
    list_display = ("name", "channel", "account_id", "team", "active")
    list_filter = ("channel", "active", "team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(XAccount)
class XAccountAdmin(admin.ModelAdmin):
    form = XAccountForm
    list_display = ("name", "screen_name", "user_id", "team", "active")
    list_filter = ("active", "team")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(WhatsAppTemplate)
class WhatsAppTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "category", "number", "active")
    list_filter = ("language", "category", "active", "number")
    search_fields = ("name", "body")


@admin.register(PendingStatus)
class PendingStatusAdmin(admin.ModelAdmin):
    """Read-only: statuses that arrived before their message, applied by the sweep."""

    list_display = ("channel", "external_id", "status", "received_at")
    list_filter = ("channel", "status")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
