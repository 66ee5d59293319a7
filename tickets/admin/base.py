"""Shared admin behaviour."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


class SaveChangedFieldsMixin:
    """Saves only the fields the form changed (house rule: update_fields on existing rows), so an admin edit
    never writes back stale values of columns an action changed meanwhile (a contact merged during the edit)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.save()
            return
        concrete = {field.name for field in obj._meta.concrete_fields}
        obj.save(update_fields=[name for name in form.changed_data if name in concrete])
