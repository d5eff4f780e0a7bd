"""Credit the contributors of existing entries: each entry's author, the proposers of
accepted suggested edits, and, for merges that are still live, the contributors of the
merged entry on the entry it was merged into (in the order the merges happened, so a
chain of merges carries its credit along)."""

from django.db import migrations


def backfill(apps, schema_editor):
    Example = apps.get_model("atlas", "Example")
    SuggestedEdit = apps.get_model("atlas", "SuggestedEdit")
    ExampleMerge = apps.get_model("atlas", "ExampleMerge")
    ExampleContributor = apps.get_model("atlas", "ExampleContributor")

    credited: dict[int, dict[int, dict]] = {}

    def credit(example_id, user_id, role, since, merge_id=None):
        rows = credited.setdefault(example_id, {})
        if user_id not in rows:
            rows[user_id] = {"role": role, "since": since, "merge_id": merge_id}

    for example_id, author_id, created in (
        Example.objects.filter(author__isnull=False)
        .order_by("pk")
        .values_list("pk", "author_id", "created")
        .iterator()
    ):
        credit(example_id, author_id, "author", created)
    for example_id, proposer_id, decided_at, modified in (
        SuggestedEdit.objects.filter(status="accepted", proposer__isnull=False)
        .order_by("decided_at", "pk")
        .values_list("example_id", "proposer_id", "decided_at", "modified")
        .iterator()
    ):
        credit(example_id, proposer_id, "editor", decided_at or modified)
    for merge in ExampleMerge.objects.filter(undone_at__isnull=True).order_by("created", "pk"):
        for user_id in list(credited.get(merge.source_id, {})):
            credit(merge.target_id, user_id, "merged", merge.created, merge.pk)

    ExampleContributor.objects.bulk_create(
        [
            ExampleContributor(
                example_id=example_id,
                user_id=user_id,
                role=row["role"],
                since=row["since"],
                merge_id=row["merge_id"],
            )
            for example_id, rows in credited.items()
            for user_id, row in rows.items()
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def forget(apps, schema_editor):
    apps.get_model("atlas", "ExampleContributor").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("atlas", "0008_contributors_and_merge_choices")]

    operations = [migrations.RunPython(backfill, forget)]
