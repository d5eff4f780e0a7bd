from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["work_queue", "view_reviewitem", "view_moderationnotice"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("moderation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(
        *Permission.objects.filter(content_type__app_label="moderation", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0005_review_queue"), ("moderation", "0004_role_groups")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
