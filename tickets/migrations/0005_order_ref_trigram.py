"""Order numbers found by any part (PostgreSQL only): customers quote the tail of an order number
("3612345678" of "INV/20260118/MPL/3612345678"). A trigram GIN index on UPPER(order_ref) serves
tickets.search's icontains on PostgreSQL; SQLite answers the same question with a scan.
"""

from django.db import migrations

INDEX = "ticket_order_ref_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "tickets_ticket" USING gin ((UPPER("order_ref"::text)) gin_trgm_ops)'
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_desk_search_indexes")]
    operations = [migrations.RunPython(create, drop)]
