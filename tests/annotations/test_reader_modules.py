"""The reader's ES modules (static/js/annotations/): every relative specifier names a
file that exists, and the modules form no cycle — Django's manifest storage rewrites the
specifiers to hashed names, and a cycle makes those hashes never settle (a module would
then be asked for under a name that was never written)."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage

from project.staticfiles import READER_MODULE_PATTERNS, ModuleAwareManifestStaticFilesStorage

MODULES = Path(__file__).resolve().parents[2] / "static/js/annotations"
SPECIFIER = re.compile(r"""(?:import|export)\b[^;]*?\bfrom\s*["'](\./[^"']+)["']\s*;""", re.S)


def _graph() -> dict[str, set[str]]:
    return {
        path.name: {name.removeprefix("./") for name in SPECIFIER.findall(path.read_text())}
        for path in MODULES.glob("*.js")
    }


def test_every_specifier_names_a_module_and_main_reaches_them_all():
    graph = _graph()
    for module, imported in graph.items():
        assert imported <= set(graph), (module, imported - set(graph))
    reached, todo = set(), ["main.js"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo.extend(graph[module])
    assert reached == set(graph)


def test_modules_form_no_cycle():
    graph = _graph()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == "done":
            return
        assert state.get(module) != "open", " → ".join([*path, module])
        state[module] = "open"
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        visit(module, [])


class UncompressedStorage(ManifestStaticFilesStorage):
    """Production's patterns without WhiteNoise's compression (minutes for every file)."""

    patterns = (*ManifestStaticFilesStorage.patterns, READER_MODULE_PATTERNS)


def test_production_static_storage_rewrites_the_modules_specifiers(tmp_path, settings):
    """collectstatic with production's patterns: every module's relative specifiers
    point at hashed files that were written (and third-party scripts do not break it)."""
    import json

    from django.core.management import call_command

    assert READER_MODULE_PATTERNS in ModuleAwareManifestStaticFilesStorage.patterns
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": f"{__name__}.UncompressedStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    hashed = {name: paths[f"js/annotations/{name}"] for name in _graph()}
    for name, hashed_path in hashed.items():
        text = (tmp_path / hashed_path).read_text()
        for specifier in SPECIFIER.findall(text):
            target = "js/annotations/" + specifier.removeprefix("./")
            assert target in paths.values(), (name, specifier)
        assert not set(SPECIFIER.findall(text)) & {f"./{module}" for module in _graph()}
