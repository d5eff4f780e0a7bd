"""Apps import downwards only (docs/adr/0006-layers.md): the import contracts in
pyproject.toml hold, with no exceptions list, and what a lower app used to import from a
higher one now reaches it through a registry the higher app fills."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.conf import settings
from importlinter.cli import lint_imports

PYPROJECT = Path(settings.BASE_DIR) / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold(monkeypatch, capsys):
    monkeypatch.chdir(settings.BASE_DIR)
    exit_code = lint_imports(no_cache=True, no_logo=True)
    assert exit_code == 0, capsys.readouterr().out


def test_the_layers_are_the_documented_ones_and_have_no_exceptions():
    contracts = {contract["id"]: contract for contract in _contracts()}
    assert contracts["app-layers"]["layers"] == [
        "site", "releases", "coding", "atlas", "annotations", "sources", "moderation | search",
        "notifications", "accounts", "common",
    ]  # fmt: skip
    assert contracts["project-above-apps"]["layers"] == ["bench", "project", "apps"]
    assert [c["id"] for c in contracts.values() if "ignore_imports" in c] == []


def test_the_search_kernel_finds_source_providers_in_the_sources_app():
    from apps.search import activity, registry

    assert registry.providers()["source"].__module__ == "apps.sources.search_providers"
    assert registry.providers()["passage"].__module__ == "apps.sources.search_providers"
    # Registered from below, shown in the order the site always had.
    assert list(registry.facets()) == [
        "tag",
        "author",
        "country",
        "category",
        "source",
        "year",
        "language",
    ]
    assert [type(p).__name__ for p in activity.contribution_providers()] == [
        "PublicAnnotations", "PublishedEntries", "SourcesAdded",
    ]  # fmt: skip
