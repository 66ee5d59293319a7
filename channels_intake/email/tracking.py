"""Delivery status from Anymail's tracking webhooks: delivered, bounced, complained (and opened).

Anymail's webhook API is signal-based, so a receiver stores each event as an InboundEvent (nothing lost,
retried by the sweep) and processing finds the outbound message by the provider's id recorded at send
time (SentEmail.esp_message_id), our Message-ID, or the ``sd_message`` metadata we send along.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from anymail.signals import AnymailTrackingEvent, tracking
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_intake.email.automatic import mark_address
from channels_intake.email.models import SentEmail
from channels_intake.models import InboundEvent
from tickets.models import DeliveryStatus, Message

if TYPE_CHECKING:
    from channels_intake.email.intake import Outcome

# An event about a message whose send has not been recorded yet waits this long before it is dropped.
UNMATCHED_PATIENCE = dt.timedelta(minutes=10)
STATUS = {
    "delivered": DeliveryStatus.DELIVERED,
    "opened": DeliveryStatus.READ,
    "clicked": DeliveryStatus.READ,
    "bounced": DeliveryStatus.FAILED,
    "rejected": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "complained": DeliveryStatus.COMPLAINED,
}


@receiver(tracking, dispatch_uid="channels_intake.email.tracking")
def store_tracking_event(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    from channels_intake.email.intake import queue_processing

    if event.event_type not in STATUS:
        return
    payload = {
        "event_type": event.event_type,
        "message_id": str(event.message_id or ""),
        "recipient": str(event.recipient or ""),
        "metadata": {str(k): str(v) for k, v in (event.metadata or {}).items()},
        "description": str(event.description or "")[:1000],
        "mta_response": str(event.mta_response or "")[:1000],
        "reject_reason": str(event.reject_reason or ""),
        "event_id": str(event.event_id or ""),
    }
    with transaction.atomic():
        stored = InboundEvent.objects.create(
            channel="email",
            source=f"anymail-tracking:{esp_name.lower()}"[:50],
            body=json.dumps(payload).encode(),
            headers={"esp": esp_name},
        )
        queue_processing(stored)


def _find_message(payload: dict[str, Any]) -> Message | None:
    esp_id = payload.get("message_id", "").strip().strip("<>")
    sent = None
    if esp_id:
        sent = (
            SentEmail.objects.filter(esp_message_id=esp_id).select_related("message").first()
            or SentEmail.objects.filter(rfc_message_id=f"<{esp_id.strip('<>')}>")
            .select_related("message")
            .first()
        )
    if sent is not None and sent.message is not None:
        return sent.message
    ours = payload.get("metadata", {}).get("sd_message", "")
    if ours.isdigit():
        return Message.objects.filter(pk=int(ours), direction="out").first()
    return None


def process_tracking_event(event: InboundEvent) -> Outcome:
    from channels_intake.email.intake import Outcome
    from tickets.actions import record_delivery

    payload = json.loads(bytes(event.body).decode())
    kind = payload["event_type"]
    message = _find_message(payload)
    if message is None:
        if timezone.now() - event.received_at < UNMATCHED_PATIENCE:
            return Outcome(InboundEvent.State.PENDING, note="no message with this provider id yet")
        return Outcome(InboundEvent.State.IGNORED, note=f"no outbound message for {payload['message_id']!r}")
    reason = payload.get("mta_response") or payload.get("description") or payload.get("reject_reason") or ""
    if STATUS[kind] == DeliveryStatus.FAILED:
        error = reason or _("The provider could not deliver this email (%(kind)s).") % {"kind": kind}
    else:
        error = ""  # a complaint is its own status, not a delivery error
    record_delivery(message, status=STATUS[kind], error=error)
    if kind in {"bounced", "complained"}:
        # The complaint silences automatic mail to the address (EmailAddressStatus.suppressed).
        address = payload.get("recipient") or message.ticket.contact.email
        mark_address(address, bounced=kind == "bounced", complained=kind == "complained", reason=reason)
    return Outcome(InboundEvent.State.PROCESSED, ticket_ids=(message.ticket_id,), note=kind)
