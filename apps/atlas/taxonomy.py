"""The default taxonomy (issue 4). Migration 0002 seeds a frozen copy; this function lets
the starter data (and tests whose database was flushed) restore missing categories.
Existing categories are never overwritten: admins may have renamed them. Their German and
Chinese names (modeltranslation, translation.py) are filled in where still empty."""

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

# slug -> (German, Simplified Chinese). Scholarly usage: "Scoring" stays as the German
# literature writes it; 评分 for scoring, 信用 only where credit is meant.
CATEGORY_TRANSLATIONS = {
    "financial-credit-scoring": ("Finanzielles Kreditscoring", "金融信用评分"),
    "geo-scoring": ("Geo-Scoring und Scoring von Wohngegenden", "地理评分与街区评分"),
    "platform-ratings": ("Plattform- und Gig-Economy-Bewertungen", "平台与零工经济评级"),
    "social-media-reputation": (
        "Reputation und Quantifizierung in sozialen Medien",
        "社交媒体声誉与量化",
    ),
    "government-blacklists": ("Staatliche schwarze und rote Listen", "政府黑名单与红名单"),
    "corporate-compliance": ("Compliance-Ratings für Unternehmen", "企业合规评级"),
    "welfare-fraud-scoring": (
        "Scoring von Sozialleistungs- und Leistungsbetrug",
        "社会福利与福利欺诈评分",
    ),
    "tenant-screening": ("Mieterauswahl und Mieterprüfung", "租户筛查"),
    "insurance-telematics": (
        "Versicherungstelematik und verhaltensbasierte Preisgestaltung",
        "保险远程信息处理与基于行为的定价",
    ),
    "workplace-monitoring": ("Überwachung und Scoring am Arbeitsplatz", "工作场所监控与评分"),
    "facial-recognition": (
        "Gesichtserkennung und Einbindung in die Überwachung",
        "人脸识别与监控整合",
    ),
    "public-health-compliance": (
        "Einhaltung von Gesundheitsvorschriften (etwa Gesundheitscodes)",
        "公共卫生合规（如健康码）",
    ),
    "predictive-policing": ("Predictive Policing und Risikoscoring", "预测性警务与风险评分"),
    "other": ("Sonstiges", "其他"),
}


def ensure_default_categories() -> int:
    """Create the default categories that are missing. Returns how many were created."""
    from .models import Category

    existing = set(Category.objects.values_list("slug", flat=True))
    missing = [
        # name_en as well: modeltranslation reads it (name alone would go to the
        # translation of whichever language is active).
        Category(
            slug=slug,
            name=name,
            name_en=name,
            name_de=CATEGORY_TRANSLATIONS[slug][0],
            name_zh_hans=CATEGORY_TRANSLATIONS[slug][1],
            order=order * 10,
        )
        for order, (slug, name) in enumerate(DEFAULT_CATEGORIES, start=1)
        if slug not in existing
    ]
    Category.objects.bulk_create(missing, ignore_conflicts=True)
    http_cache.invalidate(Category)  # bulk_create sends no signal
    return len(missing)


def ensure_category_translations() -> int:
    """Give the default categories their German and Chinese names where a language has
    none yet (an admin's wording stays). Idempotent. Returns how many rows changed."""
    from .models import Category

    changed = 0
    for category in Category.objects.filter(slug__in=CATEGORY_TRANSLATIONS):
        german, chinese = CATEGORY_TRANSLATIONS[category.slug]
        fields = []
        for field, value in (("name_de", german), ("name_zh_hans", chinese)):
            if not getattr(category, field):
                setattr(category, field, value)
                fields.append(field)
        if fields:
            category.save(update_fields=fields)  # the save signal invalidates the pages
            changed += 1
    return changed
