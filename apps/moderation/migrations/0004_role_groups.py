"""The two role groups. Membership is what the permission functions check
(apps/moderation/permissions.py); the model permissions given to moderators only open the
read-only admin pages."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TRUSTED = "Trusted contributors"
MODERATORS = "Moderators"
MODERATOR_PERMISSIONS = [
    "view_auditlogentry",
    "view_moderatorscope",
    "view_usermoderationstate",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create ours now to attach them.
    app_config = apps.get_app_config("moderation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name=TRUSTED)
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS
        )
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[TRUSTED, MODERATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
