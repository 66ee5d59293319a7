"""Mail arriving through any ESP's inbound webhook that django-anymail supports.

Anymail verifies the webhook (its shared WEBHOOK_SECRET basic auth and the provider's signature where
it checks one: Mailgun, MailerSend, Mandrill, Postal, Resend, Mailtrap, Unisender Go; not Amazon SES,
whose SNS signatures Anymail does not verify, so anymail_urls requires the basic auth for it; anymail_urls
also refuses every provider that cannot authenticate) and hands over a parsed AnymailInboundMessage
through its ``inbound`` signal: the one place a signal is used, because that is Anymail's API. We turn
the message back into raw MIME and take the same path as every other email.
"""

from __future__ import annotations

from email import policy
from typing import Any

from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from django.dispatch import receiver

from channels_intake.email.intake import store_raw


def raw_bytes(message: AnymailInboundMessage) -> bytes:
    """The message as MIME bytes; falls back to more lenient serialisation for odd messages."""
    for serialise in (
        lambda: message.as_bytes(),
        lambda: message.as_bytes(policy=policy.compat32),
        lambda: message.as_string(policy=policy.compat32).encode("utf-8", errors="surrogateescape"),
    ):
        try:
            return serialise()
        except Exception:  # noqa: S112 - try the next, more lenient, serialisation
            continue
    return str(message).encode("utf-8", errors="replace")


@receiver(inbound, dispatch_uid="channels_intake.email.anymail_inbound")
def store_inbound_email(sender: Any, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    message = event.message
    if message is None:
        return
    extra = {
        "esp": esp_name,
        "event_id": str(event.event_id or ""),
        "envelope_sender": str(message.envelope_sender or ""),
        "envelope_recipient": str(message.envelope_recipient or ""),
        "spam_detected": bool(message.spam_detected),
    }
    store_raw(
        raw_bytes(message),
        source=f"anymail:{esp_name.lower()}",
        account=str(message.envelope_recipient or "")[:100],
        headers=extra,
    )
