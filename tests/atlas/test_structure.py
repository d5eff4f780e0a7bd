"""The atlas's shape (docs/architecture.md, "Atlas"): packages by feature with no module
much over 500 lines, one module that says who may act on an entry, and one diff engine
(django-simple-history's ``diff_against``) behind every "what changed in this entry"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import apps.atlas
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.history import selectors as history_selectors
from apps.atlas.merge import comparison as merge_comparison
from apps.atlas.models import Example
from apps.atlas.suggestions import selectors as suggestion_selectors
from apps.atlas.suggestions import services as suggestion_services

from .conftest import evidence_data, example_data

ATLAS = Path(apps.atlas.__file__).parent
MODULES = sorted(p for p in ATLAS.rglob("*.py") if "migrations" not in p.parts)
# "About 500": models.py keeps every model of the app in one module (517 lines).
MAX_LINES = 520


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports (absolute names; relative ones resolved)."""
    package = ".".join(path.relative_to(ATLAS.parent.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def test_no_module_is_much_over_500_lines():
    too_long = {
        str(path.relative_to(ATLAS)): length
        for path in MODULES
        if (length := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these by feature: {too_long}"


def test_only_the_permissions_module_asks_the_moderation_roles():
    """Who may act on an entry is apps/atlas/permissions.py's answer; only the visible set
    (a queryset, so no list can leak) is built from the roles in entries/selectors.py."""
    allowed = {"permissions.py", "entries/selectors.py"}
    asking = {
        str(path.relative_to(ATLAS))
        for path in MODULES
        if "apps.moderation.permissions" in _imports(path)
    }
    assert asking <= allowed, f"ask apps/atlas/permissions.py instead: {asking - allowed}"


@pytest.fixture
def diff_calls(monkeypatch):
    """Every call of simple-history's diff_against on an entry's history rows."""
    calls = []
    model = Example.history.model
    original = model.diff_against

    def spy(self, old_history, *args, **kwargs):
        calls.append((self, old_history))
        return original(self, old_history, *args, **kwargs)

    monkeypatch.setattr(model, "diff_against", spy)
    return calls


@pytest.fixture
def edited(user, moderator):
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], submit=True
    )
    example = transitions.example_transition(actor=moderator, example=example, to="published")
    return entry_services.example_update(
        actor=moderator, example=example, changes={"title": "Schufa scores", "country": "EU"}
    )


def test_every_entry_diff_is_simple_historys(diff_calls, edited, other_user, moderator):
    first = edited.history.earliest("history_date")

    conflict = history_selectors.example_changes_since(example=edited, version=1)
    assert diff_calls and {c.field for c in conflict} == {"title", "country", "status"}

    diff_calls.clear()
    page = history_selectors.example_history(example=edited)
    assert diff_calls and [c.field for c in page.versions[0].changes] == ["title", "country"]

    diff_calls.clear()
    preview = history_selectors.restore_preview(example=edited, row=first)
    assert diff_calls and {c.field for c in preview} == {"title", "country"}

    diff_calls.clear()
    suggestion_services.suggestion_create(
        proposer=other_user, example=edited, changes={"region": "Bavaria", "title": "Schufa"}
    )
    (suggestion,) = suggestion_selectors.suggestions_for_example(example=edited, viewer=moderator)
    assert diff_calls and [c.field for c in suggestion.diff] == ["title", "region"]

    diff_calls.clear()
    other = entry_services.example_create(
        author=other_user,
        data=example_data(title="Schufa scores", country="EU", legal_basis="unknown"),
        evidence=[evidence_data()],
        confirm_distinct=True,
    )
    rows = merge_comparison.compare_entries(source=other, target=edited)
    assert diff_calls and [row.key for row in rows if row.differs] == ["legal_basis"]
