"""Default escalation rules from the support policies, and the Supervisors group's permissions.

SLA rules name their target (sla's preset keys): a breach of a target without a rule, such as the
15-minute "pending_wait" (an agent's job) or the buyer–seller "dispute_window" (the customer then may
ask for mediation), escalates nothing.

Both are idempotent: rules are matched by name, the group is created or extended by name.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

RULES = [
    # name, trigger, sla target, level, raise priority, notify, active
    ("Card fraud and OTP/phishing: at once", "security", "", 1, "urgent", "level", True),
    ("First response breached", "sla_breach", "first_response", 1, "high", "assigned", True),
    ("Resolution breached", "sla_breach", "resolution", 1, "high", "assigned", True),
    ("Operator disruption past 1×24 hours", "sla_breach", "operator_resolution", 1, "high", "assigned", True),
    ("Mediation decision overdue", "sla_breach", "dispute_decision", 2, "urgent", "assigned", True),
    ("SLA warning (enable to escalate before a breach)", "sla_warning", "", 1, "", "assigned", False),
    ("Reopened three times", "reopened", "", 1, "high", "assigned", True),
    ("Customer asks for a supervisor", "customer_request", "", 1, "", "assigned", True),
    ("Agent escalates", "agent_request", "", 1, "", "assigned", True),
    ("Dispute: Minta Bantuan after the buyer–seller window", "dispute", "", 1, "high", "level", True),
]

SUPERVISOR_PERMISSIONS = [
    "view_escalation",
    "change_escalation",
    "view_escalationlog",
    "view_escalationrule",
    "add_escalationrule",
    "change_escalationrule",
    "delete_escalationrule",
    "view_levelroster",
    "add_levelroster",
    "change_levelroster",
    "delete_levelroster",
]


def seed(apps, schema_editor):
    Rule = apps.get_model("escalation", "EscalationRule")
    for position, (name, trigger, target, level, priority, notify, active) in enumerate(RULES, start=1):
        Rule.objects.get_or_create(
            name=name,
            defaults={
                "position": position * 10,
                "trigger": trigger,
                "sla_target": target,
                "level": level,
                "raise_priority": priority,
                "notify": notify,
                "active": active,
                "reopen_threshold": 3,
            },
        )
    # Permissions are normally created after all migrations ran; create ours now to grant them.
    config = apps.get_app_config("escalation")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Supervisors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="escalation", codename__in=SUPERVISOR_PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
