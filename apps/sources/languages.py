"""Names of the languages texts are written in (a source's, a translation's)."""

from __future__ import annotations

from django.utils.translation import get_language_info


def language_name(code: str) -> str:
    """The language's own name ("Deutsch", "English", "简体中文"): readers look for their
    language under its own name whatever the interface's language. The code itself for a
    language Django does not know."""
    try:
        return get_language_info(code)["name_local"]
    except KeyError:
        try:
            return get_language_info(code.split("-")[0])["name_local"]
        except KeyError:
            return code
