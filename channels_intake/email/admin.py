"""Admin for the email channel: IMAP mailboxes, mail we sent, addresses that bounce."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from channels_intake.email.models import EmailAddressStatus, Mailbox, SentEmail


class MailboxForm(forms.ModelForm):
    """The stored password is never sent back to the browser; left blank on a change, it is kept."""

    password = forms.CharField(
        label=_("password or app password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "For Gmail, an app password (Google account → Security → App passwords). "
            "Leave blank to keep the stored one."
        ),
    )

    class Meta:
        model = Mailbox
        fields = ["name", "host", "port", "security", "username", "password", "folder", "active"]

    def clean_password(self) -> str:
        password: str = self.cleaned_data.get("password") or ""
        if password:
            return password
        if self.instance.pk and self.instance.password:
            return self.instance.password
        raise forms.ValidationError(_("Enter the mailbox password."))


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = [
        "name",
        "username",
        "host",
        "folder",
        "active",
        "last_polled_at",
        "last_uid",
        "last_error",
    ]
    readonly_fields = [
        "uidvalidity",
        "last_uid",
        "last_polled_at",
        "last_error",
        "failing_uid",
        "failing_attempts",
    ]
    actions = ["poll_now"]

    @admin.action(description=_("Fetch new mail now"))
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        from channels_intake.email.imap import poll_mailbox

        for mailbox in queryset:
            stored = poll_mailbox(mailbox)
            mailbox.refresh_from_db()
            level = messages.ERROR if mailbox.last_error else messages.SUCCESS
            self.message_user(
                request,
                _("%(mailbox)s: %(count)d new message(s). %(error)s")
                % {"mailbox": mailbox.name, "count": stored, "error": mailbox.last_error},
                level,
            )


@admin.register(SentEmail)
class SentEmailAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "recipient", "ticket", "rfc_message_id", "esp_message_id"]
    list_filter = ["kind"]
    search_fields = ["recipient", "rfc_message_id", "esp_message_id"]
    readonly_fields = [
        "ticket",
        "message",
        "kind",
        "recipient",
        "rfc_message_id",
        "esp_message_id",
        "sent_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EmailAddressStatus)
class EmailAddressStatusAdmin(admin.ModelAdmin):
    list_display = ["address", "bounced_at", "bounce_count", "complained_at", "auto_mail_paused_at"]
    search_fields = ["address"]
    readonly_fields = ["bounced_at", "bounce_reason", "bounce_count", "complained_at", "auto_mail_paused_at"]
    actions = ["clear"]

    @admin.action(description=_("Clear bounce, complaint and pause (send automatic mail again)"))
    def clear(self, request: HttpRequest, queryset: QuerySet[EmailAddressStatus]) -> None:
        queryset.update(bounced_at=None, complained_at=None, bounce_reason="", auto_mail_paused_at=None)
