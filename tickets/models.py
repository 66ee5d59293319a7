"""The ticket domain: contacts and their identities, tickets, messages, attachments and the audit trail.

Nothing here changes a ticket's state on its own: every change goes through tickets.actions, which keeps
the audit trail (TicketEvent) and tells the SLA clocks. Models hold only logic about one row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEB = "web", _("Contact form")
    CHAT = "chat", _("Live chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    INSTAGRAM = "instagram", _("Instagram")
    MESSENGER = "messenger", _("Facebook Messenger")
    X = "x", _("X")
    PHONE = "phone", _("Phone")


class IdentityKind(models.TextChoices):
    """How a contact is addressed. WhatsApp ids are phone numbers, so WhatsApp shares the PHONE kind."""

    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone / WhatsApp number")
    INSTAGRAM = "instagram", _("Instagram user")
    MESSENGER = "messenger", _("Messenger user")
    X = "x", _("X user")
    CHAT = "chat", _("Chat visitor")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Team supervisor")
    MANAGER = "manager", _("Support manager")
    HEAD = "head", _("Head of support")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    email = models.EmailField(_("team address"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    """Who may work in the desk. A user without a profile (or inactive) cannot use the workspace."""

    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("teams"))
    presence = models.CharField(
        _("presence"), max_length=10, choices=Presence.choices, default=Presence.OFFLINE
    )
    max_concurrent_chats = models.PositiveSmallIntegerField(_("maximum concurrent chats"), default=5)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_supervisor(self) -> bool:
        return self.role != Role.AGENT


class Contact(models.Model):
    """One customer, however many channels they write on."""

    class Tier(models.TextChoices):
        REGULAR = "regular", _("Regular")
        VIP = "vip", _("VIP")
        MERCHANT = "merchant", _("Merchant")

    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.REGULAR)
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_contacts",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.primary_address or f"#{self.pk}"

    @property
    def primary_address(self) -> str:
        identities = self.identities.all()  # prefetched in list views
        return identities[0].address if identities else ""

    @property
    def email(self) -> str:
        for identity in self.identities.all():
            if identity.kind == IdentityKind.EMAIL:
                return identity.address
        return ""

    @property
    def phone(self) -> str:
        for identity in self.identities.all():
            if identity.kind == IdentityKind.PHONE:
                return identity.address
        return ""


class ContactIdentity(models.Model):
    """A normalised address (see tickets.identities) that belongs to exactly one contact."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="identities", verbose_name=_("contact")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=IdentityKind.choices)
    address = models.CharField(_("address"), max_length=320)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["kind", "address"]
        constraints = [models.UniqueConstraint(fields=["kind", "address"], name="identity_unique_per_kind")]
        verbose_name = _("contact identity")
        verbose_name_plural = _("contact identities")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.address}"


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    concerns_order = models.BooleanField(
        _("concerns an order"), default=False, help_text=_("The contact form then requires an order number.")
    )
    is_security = models.BooleanField(
        _("security case"),
        default=False,
        help_text=_("Card fraud and phishing reports: handled with priority."),
    )
    default_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("default team")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending (waiting on customer)")
    ON_HOLD = "on_hold", _("On hold (waiting on third party)")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)

# The only legal moves. Customer messages reopen resolved tickets; closed tickets are final (a customer
# message then opens a new ticket linked to the closed one).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.RESOLVED, Status.CLOSED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_ORDER = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]


class RequesterRole(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")
    UNKNOWN = "unknown", _("Unknown")


class HoldReason(models.TextChoices):
    NONE = "", _("—")
    OPERATOR = "operator", _("Operator disruption")
    COURIER = "courier", _("Courier")
    SELLER = "seller", _("Seller")
    PAYMENT = "payment", _("Payment provider")
    OTHER = "other", _("Other")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def for_list(self) -> TicketQuerySet:
        """What an inbox row shows, in a fixed number of queries whatever the page size."""
        return self.select_related("contact", "category", "team", "assignee").prefetch_related("tags")


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=250)
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("contact")
    )
    participants = models.ManyToManyField(
        Contact,
        blank=True,
        related_name="participating_tickets",
        help_text=_("Customers in Cc."),
        verbose_name=_("participants"),
    )
    requester_role = models.CharField(
        _("requester"), max_length=10, choices=RequesterRole.choices, default=RequesterRole.UNKNOWN
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("category")
    )
    order_ref = models.CharField(_("order number"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    hold_reason = models.CharField(
        _("on-hold reason"), max_length=20, choices=HoldReason.choices, default="", blank=True
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets", verbose_name=_("tags"))
    security_flag = models.BooleanField(
        _("security warning"),
        default=False,
        help_text=_("A message carried a card number, OTP or password; it was masked before storing."),
    )
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    previous_ticket = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("previous ticket"),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    # Lower-cased text of the messages (customer, replies, notes), for search. On PostgreSQL the generated
    # column "search_document" (migration 0007, not a model field) holds its tsvector with the subject.
    search_text = models.TextField(_("search text"), blank=True, default="")

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    last_customer_message_at = models.DateTimeField(_("last customer message at"), null=True, blank=True)
    last_agent_message_at = models.DateTimeField(_("last agent message at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The inbox's default views: by status, newest activity first; per assignee; per team.
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_updated"),
            models.Index(fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status"),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(fields=["order_ref"], name="ticket_order_ref"),
            # --- Desk (agent workspace) queues, see tickets/queues.py -------------------------------
            # "All open" and "Unassigned"/"Mine" read only open tickets, newest activity first;
            # "Recently resolved" reads by resolution time. (Full-text search: the PostgreSQL-only
            # search_document column and its GIN index, migration 0010_stored_search_document.)
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_updated",
            ),
            models.Index(
                fields=["assignee", "-updated_at"],
                condition=Q(status__in=OPEN_STATUSES),
                name="ticket_open_assignee",
            ),
            models.Index(
                fields=["-resolved_at"], condition=Q(resolved_at__isnull=False), name="ticket_resolved_at"
            ),
            # "All tickets" (where searching happens), newest activity first: walked in page order, so a
            # search matching a tenth of the table reads a page's worth of rows instead of sorting them all.
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def reference(self) -> str:
        """The number customers quote: '#SD-1042'."""
        return f"#SD-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]


class Direction(models.TextChoices):
    INBOUND = "in", _("From customer")
    OUTBOUND = "out", _("To customer")
    NOTE = "note", _("Internal note")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    # Delivered, and then the recipient pressed "report spam" (an ESP's complaint event).
    COMPLAINED = "complained", _("Marked as spam by the recipient")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author (agent)"),
    )
    author_contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("author (customer)"),
    )
    # The provider's id for this message (email Message-ID, WhatsApp wamid, ...): one message per id.
    external_id = models.CharField(_("external ID"), max_length=500, null=True, blank=True)  # noqa: DJ001  (NULL: no id)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True, help_text=_("Visible text, quoted history folded away."))
    full_text = models.TextField(
        _("full text"), blank=True, help_text=_("Whole text including quoted history.")
    )
    html = models.TextField(_("HTML"), blank=True, help_text=_("Sanitised HTML."))
    is_automatic = models.BooleanField(_("automatic"), default=False)
    delivery_status = models.CharField(_("delivery status"), max_length=10, choices=DeliveryStatus.choices)
    delivery_error = models.TextField(_("delivery error"), blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    # When a queued outbound message is next due to be tried; the redelivery sweep uses it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text=_("When the sender says it was sent.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id_per_channel",
            )
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            models.Index(
                fields=["next_attempt_at"], condition=Q(delivery_status="queued"), name="message_queued"
            ),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return _("%(direction)s on %(ticket)s") % {
            "direction": self.get_direction_display(),
            "ticket": self.ticket.reference,
        }

    @property
    def author_name(self) -> str:
        if self.author_user is not None:
            return self.author_user.get_full_name() or self.author_user.get_username()
        if self.author_contact is not None:
            return str(self.author_contact)
        return ""


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed: the stored name never carries what the customer called the file.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(
        _("content type"), max_length=100, help_text=_("Detected from the content.")
    )
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_id = models.CharField(
        _("content ID"), max_length=255, blank=True, help_text=_("For inline images (cid:).")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """Append-only audit trail: one row per change, shown as the ticket's timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        MESSAGE = "message", _("Customer message")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        PRIORITY = "priority", _("Priority changed")
        CATEGORY = "category", _("Category changed")
        TAGS = "tags", _("Tags changed")
        TEAM = "team", _("Team changed")
        MERGED = "merged", _("Merged")
        REOPENED = "reopened", _("Reopened")
        SECURITY = "security", _("Security warning")
        DELIVERY = "delivery", _("Delivery problem")
        SLA = "sla", _("SLA")
        ESCALATION = "escalation", _("Escalation")
        CONTACT = "contact", _("Contact changed")
        CHANNEL = "channel", _("Channel changed")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("message")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return _("%(kind)s on ticket %(ticket)s") % {
            "kind": self.get_kind_display(),
            "ticket": self.ticket_id,
        }

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CannedReply(models.Model):
    """A saved answer. {{ name }}, {{ ticket }} and {{ order }} are filled in when inserted."""

    title = models.CharField(_("title"), max_length=120)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")
    body = models.TextField(_("text"))
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: every team."),
        verbose_name=_("team"),
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("category")
    )

    class Meta:
        ordering = ["language", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"
