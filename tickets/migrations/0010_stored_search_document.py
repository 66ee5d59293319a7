"""A stored, indexed search document (PostgreSQL) and an activity index over every ticket.

Until now the full-text index was an expression index on to_tsvector(subject || search_text): the index
found the matching rows, but PostgreSQL recomputed the expression for every matching row to recheck it
(1.4 s for a search matching 110,000 tickets at 1M, docs/PERFORMANCE.md §1). ``search_document`` is a
generated column, so PostgreSQL computes it once per write, whoever writes (actions, COPY, admin), and
its GIN index ``ticket_search_document`` replaces ``ticket_search_fts``. The column is PostgreSQL-only
and not a model field (Django's ORM never reads or writes it; tickets.search refers to it by name);
SQLite keeps its icontains fallback.

``ticket_updated`` (every ticket, newest activity first) lets the "All tickets" list, which searching
uses, walk the tickets in page order and stop after a page instead of sorting every match.
"""

from django.db import migrations, models

DOCUMENT = "search_document"
DOCUMENT_INDEX = "ticket_search_document"
OLD_INDEX = "ticket_search_fts"
# The same document migration 0004 indexed: subject and message text, the "simple" configuration.
EXPRESSION = "to_tsvector('simple'::regconfig, COALESCE(subject, '') || ' ' || COALESCE(search_text, ''))"


def add_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'ALTER TABLE "tickets_ticket" ADD COLUMN "{DOCUMENT}" tsvector GENERATED ALWAYS AS ({EXPRESSION}) STORED'
    )
    schema_editor.execute(f'CREATE INDEX "{DOCUMENT_INDEX}" ON "tickets_ticket" USING gin ("{DOCUMENT}")')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD_INDEX}"')


def drop_document(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{OLD_INDEX}" ON "tickets_ticket" USING gin (({EXPRESSION}))'
    )
    schema_editor.execute(f'ALTER TABLE "tickets_ticket" DROP COLUMN IF EXISTS "{DOCUMENT}"')


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_delivery_status_complained")]

    operations = [
        migrations.RunPython(add_document, drop_document),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
        ),
    ]
