"""Admin for people: customers (contacts and their identities), teams and agents (also on the User admin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tickets import identities
from tickets.admin.base import SaveChangedFieldsMixin
from tickets.models import AgentProfile, Contact, ContactIdentity, Team


class ContactIdentityForm(forms.ModelForm):
    """Addresses are stored normalised (tickets.identities), or the next message would not find them."""

    class Meta:
        model = ContactIdentity
        fields = ["contact", "kind", "address", "display_name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, address = data.get("kind"), data.get("address")
        if kind and address:
            try:
                data["address"] = identities.normalise(kind, address)
            except ValidationError as error:
                self.add_error("address", error)
        return data


class ContactIdentityInline(admin.TabularInline):
    model = ContactIdentity
    form = ContactIdentityForm
    fields = ["kind", "address", "display_name", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    # Removing an address would split the customer's next message off into a new contact.
    can_delete = False


@admin.register(Contact)
class ContactAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["__str__", "primary_address", "tier", "language", "merged_into", "created_at"]
    list_filter = ["tier", "language"]
    list_select_related = ["merged_into"]
    search_fields = ["name", "identities__address", "identities__display_name"]
    date_hierarchy = "created_at"
    fields = ["name", "language", "tier", "notes", "merged_into", "created_at"]
    readonly_fields = ["merged_into", "created_at"]  # merging is tickets.actions.merge_contacts (API)
    inlines = [ContactIdentityInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Contact]:
        return super().get_queryset(request).prefetch_related("identities", "merged_into__identities")

    @admin.display(description=_("address"))
    def primary_address(self, contact: Contact) -> str:
        return contact.primary_address


@admin.register(ContactIdentity)
class ContactIdentityAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    form = ContactIdentityForm
    list_display = ["address", "kind", "display_name", "contact", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["contact"]
    search_fields = ["address", "display_name", "contact__name"]
    autocomplete_fields = ["contact"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactIdentity]:
        return super().get_queryset(request).prefetch_related("contact__identities")


@admin.register(Team)
class TeamAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "email", "member_count"]
    search_fields = ["name", "slug", "email"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("members", distinct=True))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, team: Any) -> int:
        return int(team.member_count)


@admin.register(AgentProfile)
class AgentProfileAdmin(SaveChangedFieldsMixin, admin.ModelAdmin):
    list_display = ["user", "role", "team_names", "presence", "max_concurrent_chats"]
    list_filter = ["role", "presence", "teams"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["teams"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgentProfile]:
        return super().get_queryset(request).prefetch_related("teams")

    @admin.display(description=_("teams"))
    def team_names(self, profile: AgentProfile) -> str:
        return ", ".join(team.name for team in profile.teams.all())


class AgentProfileInline(admin.StackedInline):
    model = AgentProfile
    fields = ["role", "teams", "presence", "max_concurrent_chats"]
    filter_horizontal = ["teams"]
    can_delete = True
    verbose_name_plural = _("agent profile (a user without one cannot use the desk)")


admin.site.unregister(User)


@admin.register(User)
class SupportDeskUserAdmin(UserAdmin):
    inlines = [AgentProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "agent_role", "is_staff", "is_active"]
    list_select_related = ["agent"]
    list_filter = [*UserAdmin.list_filter, "agent__role"]

    @admin.display(description=_("agent role"), ordering="agent__role")
    def agent_role(self, user: User) -> str:
        profile = getattr(user, "agent", None)
        return profile.get_role_display() if profile is not None else "—"
