"""Customer names for Instagram and Messenger, whose webhooks carry only a page-scoped id.

Fetched once per identity through the Graph API after the first message is stored (a PendingFetch
row in channels_intake.fetches, which retries and survives a lost task), then kept on the
ContactIdentity (display name) and the Contact (when it has no name yet). A failed or empty lookup is
remembered in the cache for a day so a chatty customer does not cost a Graph call per message.
"""

from __future__ import annotations

from django.core.cache import cache

from channels_intake.accounts import MetaPage
from channels_intake.meta import graph_request
from tickets.models import Channel, Contact, ContactIdentity, IdentityKind

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


def _cache_key(channel: str, address: str) -> str:
    return f"channels:profile:{channel}:{address}"


def remember_failure(*, channel: str, address: str) -> None:
    """Do not ask Meta for this customer's name again for a day."""
    cache.set(_cache_key(channel, address), "", FAILED_LOOKUP_SECONDS)


def look_up(*, channel: str, account: str, address: str) -> str:
    """Look up and store the name of the customer ``address``; returns it ('' when Meta has none).

    TransportError when Meta refuses or cannot be reached (channels_intake.fetches retries the
    transient ones and calls remember_failure when it gives up)."""
    kind = KINDS.get(channel)
    if kind is None:
        return ""
    identity = ContactIdentity.objects.select_related("contact").filter(kind=kind, address=address).first()
    if identity is None or identity.display_name:
        return identity.display_name if identity else ""
    if cache.get(_cache_key(channel, address)) is not None:
        return ""
    page = MetaPage.objects.filter(channel=channel, account_id=account, active=True).first()
    if page is None:
        return ""
    profile = graph_request("GET", address, token=page.access_token, params={"fields": FIELDS[channel]})
    name = name_from_profile(profile)
    if not name:
        remember_failure(channel=channel, address=address)
        return ""
    ContactIdentity.objects.filter(pk=identity.pk).update(display_name=name)
    Contact.objects.filter(pk=identity.contact_id, name="").update(name=name)
    return name
