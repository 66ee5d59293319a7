"""Trigram indexes for the desk search's "contains" look-ups (PostgreSQL): contact names and addresses
(order numbers have theirs from migration 0005).

tickets.search finds contacts by ``name__icontains`` / ``address__icontains`` and tickets by
``order_ref__icontains`` (so the tail of an order number finds it too), i.e. UPPER(col::text) LIKE
'%…%': without these indexes PostgreSQL reads every contact and every address (about a second at
250,000 contacts, docs/PERFORMANCE.md). The expressions must match what Django builds for icontains.
SQLite has no pg_trgm; nothing happens there.
"""

from django.db import migrations, models

INDEXES = [
    ("Contact", "name", "contact_name_trgm"),
    ("ContactIdentity", "address", "identity_address_trgm"),
]


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex, OpClass
    from django.db.models.functions import Cast, Upper

    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model_name, field, name in INDEXES:
        model = apps.get_model("tickets", model_name)
        expression = OpClass(Upper(Cast(field, models.TextField())), name="gin_trgm_ops")
        schema_editor.add_index(model, GinIndex(expression, name=name))


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _model, _field, name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0005_order_ref_trigram"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
