"""Seed the taxonomy named in issue 4. Admins may rename, reorder or add categories later;
this migration only creates the missing ones and never overwrites an edit."""

from django.db import migrations

CATEGORIES = [
    ("financial-credit-scoring", "Financial credit scoring"),
    ("geo-scoring", "Geo-scoring and neighbourhood scoring"),
    ("platform-ratings", "Platform and gig-economy ratings"),
    ("social-media-reputation", "Social-media reputation and quantification"),
    ("government-blacklists", "Government blacklists and red lists"),
    ("corporate-compliance", "Corporate compliance ratings"),
    ("welfare-fraud-scoring", "Welfare and benefit-fraud scoring"),
    ("tenant-screening", "Tenant screening"),
    ("insurance-telematics", "Insurance telematics and behavioural pricing"),
    ("workplace-monitoring", "Workplace monitoring and scoring"),
    ("facial-recognition", "Facial recognition and surveillance integration"),
    ("public-health-compliance", "Public-health compliance (such as health codes)"),
    ("predictive-policing", "Predictive policing and risk scoring"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("atlas", "Category")
    for order, (slug, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("atlas", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
