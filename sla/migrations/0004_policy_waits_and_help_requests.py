"""Seeded policies as the source policies read (see docs/sla.md):

- Order pending after payment: the 15 minutes are the customer's wait, not an agent deadline; the
  first-response clock of the channel's policy starts when the wait ends unresolved.
- Disputes: the evidence (3 days) and decision (5 days) windows start when the customer asks for
  platform help ("Minta Bantuan"), no longer when the buyer–seller window ends.
- Complex reports also cover the new "wrong item received" category.

Only rows that still look as seeded are changed, so an admin's own edits stay.
"""

import uuid

from django.db import migrations

PENDING = "Order pending after payment"
DISPUTES = "Buyer–seller disputes"
COMPLEX = "Complex reports (returns, wrong shipments, refunds)"


def forward(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    Category = apps.get_model("tickets", "Category")
    SlaTarget.objects.filter(policy__name=PENDING, key="pending_wait", kind="resolution").update(
        kind="wait", name="15-minute wait (customer told to wait)", warn_percent=None, warn_minutes_before=None
    )
    SlaTarget.objects.filter(
        policy__name=DISPUTES, key__in=["dispute_evidence", "dispute_decision"], start_after__key="dispute_window"
    ).update(start_after=None, start_on_help_request=True)
    complex_reports = SlaPolicy.objects.filter(name=COMPLEX).first()
    wrong_item = Category.objects.filter(slug="wrong-item").first()
    if complex_reports is not None and wrong_item is not None:
        complex_reports.categories.add(wrong_item)
    _new_version(apps)


def _new_version(apps):
    """Processes that cached the configuration (sla.config) load it again."""
    apps.get_model("sla", "SlaConfigVersion").objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def backward(apps, schema_editor):
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    SlaTarget.objects.filter(policy__name=PENDING, key="pending_wait", kind="wait").update(
        kind="resolution", name="15-minute wait, then an agent", warn_minutes_before=5
    )
    window = SlaTarget.objects.filter(policy__name=DISPUTES, key="dispute_window").first()
    SlaTarget.objects.filter(
        policy__name=DISPUTES, key__in=["dispute_evidence", "dispute_decision"], start_on_help_request=True
    ).update(start_after=window, start_on_help_request=False)
    for policy in SlaPolicy.objects.filter(name=COMPLEX):
        policy.categories.remove(*policy.categories.filter(slug="wrong-item"))
    _new_version(apps)


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_sweep_handover_and_waits"), ("tickets", "0007_wrong_item_category")]
    operations = [migrations.RunPython(forward, backward)]
