"""Issue 13: no module under apps/ much over 500 lines (migrations aside), in every app,
not only the atlas (tests/atlas/test_structure.py says how the atlas is split). A module
that grows past it is split by what it does (see docs/architecture.md for examples:
``sources.translation_selectors``, ``annotations.reader_selectors``, ``search.sampling``)."""

from __future__ import annotations

from pathlib import Path

import apps

APPS = Path(apps.__file__).parent
# "About 500", as for the atlas.
MAX_LINES = 520


def test_no_module_in_apps_is_much_over_500_lines():
    too_long = {
        str(path.relative_to(APPS)): length
        for path in sorted(APPS.rglob("*.py"))
        if "migrations" not in path.parts
        and (length := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"split these by what they do: {too_long}"
