"""Customer names for Instagram and Messenger, whose webhooks carry only a page-scoped id.

Fetched once per identity through the Graph API after the first message is stored, then kept on the
ContactIdentity (display name) and the Contact (when it has no name yet). A failed or empty lookup is
remembered in the cache for a day so a chatty customer does not cost a Graph call per message.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache

from channels_intake.accounts import MetaPage
from channels_intake.meta import graph_request
from channels_intake.transport import TransportError
from tickets.models import Channel, Contact, ContactIdentity, IdentityKind

log = logging.getLogger(__name__)
FAILED_LOOKUP_SECONDS = 24 * 3600

FIELDS: dict[str, str] = {Channel.MESSENGER: "first_name,last_name,name", Channel.INSTAGRAM: "name,username"}
KINDS: dict[str, str] = {Channel.MESSENGER: IdentityKind.MESSENGER, Channel.INSTAGRAM: IdentityKind.INSTAGRAM}


def name_from_profile(profile: dict[str, object]) -> str:
    full = " ".join(str(profile.get(key) or "") for key in ("first_name", "last_name")).strip()
    name = str(profile.get("name") or "").strip() or full
    if name:
        return name[:200]
    username = str(profile.get("username") or "").strip()
    return f"@{username}"[:200] if username else ""


@shared_task(name="channels_intake.profiles.fetch_profile_name")
def fetch_profile_name(channel: str, account_id: str, user_id: str) -> str:
    """Look up and store the name of ``user_id``; returns it ('' when unknown)."""
    kind = KINDS.get(channel)
    if kind is None:
        return ""
    identity = ContactIdentity.objects.select_related("contact").filter(kind=kind, address=user_id).first()
    if identity is None or identity.display_name:
        return identity.display_name if identity else ""
    cache_key = f"channels:profile:{channel}:{user_id}"
    if cache.get(cache_key) is not None:
        return ""
    page = MetaPage.objects.filter(channel=channel, account_id=account_id, active=True).first()
    if page is None:
        return ""
    try:
        profile = graph_request("GET", user_id, token=page.access_token, params={"fields": FIELDS[channel]})
    except TransportError as error:
        log.info("No %s profile for %s: %s", channel, user_id, error.reason)
        cache.set(cache_key, "", FAILED_LOOKUP_SECONDS)
        return ""
    name = name_from_profile(profile)
    if not name:
        cache.set(cache_key, "", FAILED_LOOKUP_SECONDS)
        return ""
    ContactIdentity.objects.filter(pk=identity.pk).update(display_name=name)
    Contact.objects.filter(pk=identity.contact_id, name="").update(name=name)
    return name
