"""Moderation sits below the content apps (docs/architecture.md: common → moderation/search
→ sources → annotations → atlas): content types plug in through the registry
(TargetAdapter, history types) from their own AppConfig.ready(), so moderation never
imports the sources app."""

from __future__ import annotations

import ast
from pathlib import Path

import apps.moderation

MODERATION = Path(apps.moderation.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_moderation_does_not_import_the_sources_app():
    offenders = {
        str(path.relative_to(MODERATION)): sorted(
            name for name in _imports(path) if name.startswith("apps.sources")
        )
        for path in MODERATION.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_sources_register_their_adapters_and_history():
    from apps.moderation.history_views import history_types
    from apps.moderation.registry import get_adapter
    from apps.sources.models import Document, Source

    assert get_adapter("source").model is Source
    assert get_adapter("source_version").model is Document
    assert history_types()["source"].model is Source


def test_annotations_register_their_history_page():
    """The annotation history type used to be built inside moderation (an upward import
    of apps.annotations); the annotations app registers it now."""
    from apps.annotations.history import ANNOTATION_HISTORY
    from apps.annotations.models import Annotation
    from apps.moderation.history_views import history_types

    assert history_types()["annotation"] is ANNOTATION_HISTORY
    assert ANNOTATION_HISTORY.model is Annotation
    assert ANNOTATION_HISTORY.restore_deleted is not None
