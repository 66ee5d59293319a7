"""The "wrong shipment" case of the support policies had no category: complex reports name it next to
returns and refunds (sla's complex-reports policy includes it, sla migration 0004)."""

from django.db import migrations

SLUG = "wrong-item"


def seed(apps, schema_editor):
    Category = apps.get_model("tickets", "Category")
    if Category.objects.filter(slug=SLUG).exists():
        return  # an admin made it already: keep their names
    after = Category.objects.filter(slug="return-exchange").values_list("position", flat=True).first()
    Category.objects.create(
        slug=SLUG,
        name_id="Barang salah kirim",
        name_en="Wrong item received",
        concerns_order=True,
        is_security=False,
        # Next to returns/exchanges in the contact form's topic list (positions need not be unique).
        position=after if after is not None else 0,
    )


def unseed(apps, schema_editor):
    apps.get_model("tickets", "Category").objects.filter(slug=SLUG, ticket__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_contact_search_trigram")]
    operations = [migrations.RunPython(seed, unseed)]
