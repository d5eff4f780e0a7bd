"""The default taxonomy (issue 4). Migration 0002 seeds a frozen copy; this function lets
the starter data (and tests whose database was flushed) restore missing categories.
Existing categories are never overwritten: admins may have renamed them."""

from __future__ import annotations

from apps.common import http_cache

DEFAULT_CATEGORIES = [
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


def ensure_default_categories() -> int:
    """Create the default categories that are missing. Returns how many were created."""
    from .models import Category

    existing = set(Category.objects.values_list("slug", flat=True))
    missing = [
        Category(slug=slug, name=name, order=order * 10)
        for order, (slug, name) in enumerate(DEFAULT_CATEGORIES, start=1)
        if slug not in existing
    ]
    Category.objects.bulk_create(missing, ignore_conflicts=True)
    http_cache.invalidate(Category)  # bulk_create sends no signal
    return len(missing)
