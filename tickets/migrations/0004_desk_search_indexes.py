"""Indexes for the desk's queues (all databases) and its full-text search (PostgreSQL only).

The search indexes are expression indexes that must match, expression for expression, what
tickets.search builds: to_tsvector('simple', subject || ' ' || search_text) and UPPER(order_ref) for
prefix look-ups of order numbers. SQLite has neither; tickets.search falls back to icontains there.
"""

from django.conf import settings
from django.db import migrations, models

SEARCH_INDEX = "ticket_search_fts"
ORDER_PREFIX_INDEX = "ticket_order_ref_prefix"


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex, OpClass
    from django.contrib.postgres.search import SearchVector
    from django.db.models.functions import Cast, Upper

    Ticket = apps.get_model("tickets", "Ticket")
    schema_editor.add_index(
        Ticket, GinIndex(SearchVector("subject", "search_text", config="simple"), name=SEARCH_INDEX)
    )
    schema_editor.add_index(
        Ticket,
        models.Index(
            OpClass(Upper(Cast("order_ref", models.TextField())), name="text_pattern_ops"),
            name=ORDER_PREFIX_INDEX,
        ),
    )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in (SEARCH_INDEX, ORDER_PREFIX_INDEX):
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0003_api_supervisor_group'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ('new', 'open', 'pending', 'on_hold'))), fields=['-updated_at', '-id'], name='ticket_open_updated'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('status__in', ('new', 'open', 'pending', 'on_hold'))), fields=['assignee', '-updated_at'], name='ticket_open_assignee'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(condition=models.Q(('resolved_at__isnull', False)), fields=['-resolved_at'], name='ticket_resolved_at'),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
