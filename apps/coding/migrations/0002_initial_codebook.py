"""Codebook version 1: the atlas codebook as shipped, with the issue's default required
citations (legal basis, consequences, right to contest)."""

from django.db import migrations

# Built from the code of this commit; later code changes do not touch the stored row.
# (Definitions: apps/atlas/codebook.py.)
REQUIRED = ["legal_basis", "consequences", "contestable"]


def forwards(apps, schema_editor):
    CodebookVersion = apps.get_model("coding", "CodebookVersion")
    if CodebookVersion.objects.exists():
        return
    from apps.coding.codebook import initial_dimensions

    CodebookVersion.objects.create(
        number=1,
        dimensions=initial_dimensions(),
        required_citations=REQUIRED,
        reason="Initial codebook (the atlas codebook as it stood when versions began).",
    )


class Migration(migrations.Migration):
    dependencies = [("coding", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
