"""Escalation rules, who serves each level, Escalation records and their audit log, notifications.

Nothing here changes an escalation on its own: escalation.actions does, and writes an EscalationLog row
and a TicketEvent for every change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Priority, Status, Team, Ticket


class Level(models.IntegerChoices):
    """Who looks at an escalated case. Level 0 (the agent) is the ticket itself, not an escalation."""

    SUPERVISOR = 1, _("L1 · team supervisor")
    MANAGER = 2, _("L2 · support manager")
    HEAD = 3, _("L3 · head of support")


TOP_LEVEL = Level.HEAD


class Trigger(models.TextChoices):
    """Why a ticket was escalated: a rule's trigger and an escalation's reason."""

    SLA_BREACH = "sla_breach", _("SLA breached")
    SLA_WARNING = "sla_warning", _("SLA warning")
    DISPUTE = "dispute", _("Dispute window over (Minta Bantuan)")
    CUSTOMER_REQUEST = "customer_request", _("Customer asked for a supervisor")
    AGENT_REQUEST = "agent_request", _("Agent escalated")
    REOPENED = "reopened", _("Reopened repeatedly")
    SECURITY = "security", _("Card fraud / phishing")


# Reasons a customer asked for: they are owed a written answer whatever happens to the ticket.
CUSTOMER_REASONS = (Trigger.CUSTOMER_REQUEST, Trigger.DISPUTE)


class Notify(models.TextChoices):
    ASSIGNED = "assigned", _("The assigned supervisor")
    LEVEL = "level", _("Everyone serving that level for the team")


class EscalationRule(models.Model):
    """When to escalate, to which level, and what else to do. The first matching active rule wins."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    sla_target = models.CharField(
        _("SLA target"),
        max_length=40,
        blank=True,
        help_text=_("For SLA triggers: first_response, next_response, resolution, ... Empty: any target."),
    )
    reopen_threshold = models.PositiveSmallIntegerField(
        _("reopened at least"), default=3, help_text=_("For the reopen trigger: how many reopens.")
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        verbose_name=_("categories"),
        help_text=_("For the security trigger. Empty: every category marked as a security case."),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: every team."),
        verbose_name=_("team"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.SUPERVISOR)
    reassign = models.BooleanField(
        _("reassign the ticket"), default=False, help_text=_("Give the ticket to the chosen supervisor.")
    )
    raise_priority = models.CharField(
        _("raise priority to"),
        max_length=10,
        blank=True,
        choices=[
            ("", _("Leave as is")),
            (Priority.HIGH, Priority.HIGH.label),
            (Priority.URGENT, Priority.URGENT.label),
        ],
    )
    notify = models.CharField(_("notify"), max_length=10, choices=Notify.choices, default=Notify.ASSIGNED)
    notify_agent = models.BooleanField(
        _("tell the ticket's agent"), default=True, help_text=_("In-app notice to the assigned agent.")
    )
    review_working_days = models.PositiveSmallIntegerField(_("review within (working days)"), default=2)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")

    def __str__(self) -> str:
        return self.name


class LevelRoster(models.Model):
    """Who serves a level for a team. Without a roster, the roles decide (see escalation.routing)."""

    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalation_rosters",
        help_text=_("Empty: the default for teams without their own roster."),
        verbose_name=_("team"),
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="escalation_rosters", verbose_name=_("members")
    )

    class Meta:
        ordering = ["team__name", "level"]
        constraints = [
            models.UniqueConstraint(fields=["team", "level"], name="roster_unique_team_level"),
            models.UniqueConstraint(
                fields=["level"], condition=Q(team__isnull=True), name="roster_unique_default_level"
            ),
        ]
        verbose_name = _("level roster")
        verbose_name_plural = _("level rosters")

    def __str__(self) -> str:
        return f"{self.team or _('Every team')} · {self.get_level_display()}"


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated further")


ACTIVE_STATUSES = (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED)


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def active(self) -> EscalationQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overdue(self, now: object = None) -> EscalationQuerySet:
        return self.active().filter(review_due__lte=now or timezone.now())

    def on_open_tickets(self) -> EscalationQuerySet:
        return self.exclude(ticket__status=Status.CLOSED).filter(ticket__merged_into__isnull=True)

    def on_closed_tickets(self) -> EscalationQuerySet:
        return self.filter(Q(ticket__status=Status.CLOSED) | Q(ticket__merged_into__isnull=False))

    def for_queue(self) -> EscalationQuerySet:
        """What a queue row shows, in a fixed number of queries."""
        return self.select_related(
            "ticket", "ticket__contact", "ticket__team", "team", "assigned_to", "rule"
        ).prefetch_related("ticket__contact__identities")


class Escalation(models.Model):
    """One ticket put before one level for one reason. A reason escalates once per level.

    ``target`` narrows the reason (the SLA target that breached), so a first-response breach and a
    resolution breach are separate cases, while the same breach reported twice is not.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="escalations", verbose_name=_("ticket")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Trigger.choices)
    target = models.CharField(_("SLA target"), max_length=40, blank=True, default="")
    rule = models.ForeignKey(
        EscalationRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
        verbose_name=_("rule"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text=_("The lower-level escalation this one came from."),
        verbose_name=_("escalated from"),
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
        help_text=_("Whose supervisors and calendar handle it (the mediation team for disputes)."),
        verbose_name=_("team"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
        verbose_name=_("supervisor"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    request_text = models.TextField(
        _("request"), blank=True, help_text=_("What the customer or agent wrote (card numbers masked).")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    review_due = models.DateTimeField(_("review due"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("outcome message"),
    )
    # When the written outcome actually left (on the channel or by email): stamped by the delivery, so
    # it stays empty while queued and when the customer could not be reached at all.
    outcome_sent_at = models.DateTimeField(_("outcome sent at"), null=True, blank=True)
    # The outcome by email when the ticket's channel is not email (chat, WhatsApp, social) or the ticket
    # was closed: the policy promises it in writing by email wherever we have an address.
    outcome_email = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("outcome email"),
    )
    outcome_emailed_at = models.DateTimeField(_("outcome emailed at"), null=True, blank=True)
    outcome_channel_note = models.TextField(
        _("not sent on the channel"),
        blank=True,
        help_text=_("Why the outcome did not go out on the ticket's own channel."),
    )
    # The customer's acknowledgement (an automatic email); stamped when it actually left.
    acknowledgement_message = models.ForeignKey(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledgement message"),
    )
    customer_acknowledged_at = models.DateTimeField(_("acknowledgement sent at"), null=True, blank=True)
    # Disputes: until when both sides may add evidence, and the promised decision date.
    evidence_due = models.DateTimeField(_("evidence until"), null=True, blank=True)
    decision_due = models.DateTimeField(_("decision due"), null=True, blank=True)
    # The sweeper's bookkeeping: when it took the overdue escalation further, and failed attempts.
    overdue_handled_at = models.DateTimeField(_("overdue handled at"), null=True, blank=True)
    sweep_failures = models.PositiveSmallIntegerField(_("failed sweeps"), default=0)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["review_due", "pk"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "reason", "target", "level"], name="escalation_once_per_reason_level"
            )
        ]
        indexes = [
            models.Index(
                fields=["review_due"],
                condition=Q(status="open", overdue_handled_at__isnull=True),
                name="escalation_sweep",
            ),
            models.Index(fields=["assigned_to", "status"], name="escalation_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.reference} · L{self.level} · {self.get_reason_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_active and self.review_due <= timezone.now()


class EscalationLog(models.Model):
    """Append-only audit of everything that happened to an escalation, and who did it."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        ROUTED = "routed", _("Routed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        REASSIGNED = "reassigned", _("Ticket reassigned")
        TAKEN_OVER = "taken_over", _("Taken over")
        ESCALATED = "escalated", _("Escalated to the next level")
        OVERDUE = "overdue", _("Review overdue")
        RESOLVED = "resolved", _("Resolved with outcome")
        CLOSED = "closed", _("Closed with its ticket")

    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="logs", verbose_name=_("escalation")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("escalation log entry")
        verbose_name_plural = _("escalation log")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.escalation_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Escalation log entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Notification(models.Model):
    """An in-app notice for one user; the assigned supervisor's is also emailed (after commit)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Escalation assigned to you")
        LEVEL = "level", _("Escalation at your level")
        AGENT = "agent", _("Your ticket was escalated")
        OVERDUE = "overdue", _("Review overdue at the top level")
        UNSTAFFED = "unstaffed", _("Nobody on duty could take this escalation")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="escalation_notifications",
        verbose_name=_("user"),
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("escalation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_wanted = models.BooleanField(_("send by email"), default=False)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "escalation", "kind"], name="notification_once")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.escalation}"


class Digest(models.Model):
    """One daily digest mail per supervisor per day: the row is the claim, so a retried beat sends once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("supervisor")
    )
    day = models.DateField(_("day"))
    escalation_count = models.PositiveIntegerField(_("number of escalations"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="digest_once_per_day")]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
