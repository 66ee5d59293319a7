"""The "Supervisors" group: staff users in it can look at every ticket model in the admin and edit the
desk's working data. Ticket state changes made there still go through tickets.actions (see tickets.admin).
"""

from django.db import migrations

GROUP = "Supervisors"

# (app label, model, permission actions)
PERMISSIONS = [
    ("tickets", "ticket", ["view", "change"]),
    ("tickets", "message", ["view"]),
    ("tickets", "attachment", ["view"]),
    ("tickets", "ticketevent", ["view"]),
    ("tickets", "contact", ["view", "change"]),
    ("tickets", "contactidentity", ["view", "change", "add"]),
    ("tickets", "team", ["view"]),
    ("tickets", "agentprofile", ["view"]),
    ("tickets", "category", ["view", "change"]),
    ("tickets", "tag", ["view", "change", "add"]),
    ("tickets", "cannedreply", ["view", "change", "add", "delete"]),
    ("channels_intake", "inboundevent", ["view"]),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations ran; a fresh database needs them now.
    from django.contrib.auth.management import create_permissions

    for label in ("tickets", "channels_intake"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    for app_label, model, verbs in PERMISSIONS:
        for verb in verbs:
            permission = Permission.objects.get(
                content_type__app_label=app_label, content_type__model=model, codename=f"{verb}_{model}"
            )
            group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0002_seed_categories"),
        ("channels_intake", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
