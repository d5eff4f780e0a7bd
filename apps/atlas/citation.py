"""How to cite an atlas entry (APA, BibTeX) and the atlas dataset as a whole."""

from __future__ import annotations

import re

from django.utils import timezone

from .contributors import contributor_names
from .models import Example

DATASET_TITLE = "Creditscape atlas of social-credit-like systems"
GROUP_AUTHOR = "Creditscape contributors"
LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _year(example: Example) -> int:
    return (example.published_at or example.created or timezone.now()).year


def _author(example: Example) -> str:
    """Everyone credited on the entry, as one group author: "Creditscape contributors:
    A, B" (public names only; apps/atlas/contributors.py)."""
    names = contributor_names(example)
    return f"{GROUP_AUTHOR}: {', '.join(names)}" if names else GROUP_AUTHOR


def apa(example: Example, url: str) -> str:
    author = _author(example)
    return (
        f"{author} ({_year(example)}). {example.title.rstrip('.')} "
        f"[Atlas entry, version {example.version}]. In {DATASET_TITLE}. {url}"
    )


def bibtex(example: Example, url: str) -> str:
    escape = lambda value: _BIBTEX_SPECIAL.sub(r"\\\1", value)  # noqa: E731
    fields = [
        ("author", "{" + escape(_author(example)) + "}"),
        ("title", "{" + escape(example.title) + "}"),
        ("howpublished", escape(DATASET_TITLE)),
        ("year", str(_year(example))),
        ("note", f"Atlas entry, version {example.version}. Licence: {LICENCE_NAME}"),
        ("url", url),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{creditscape-atlas-{example.pk},\n{body}\n}}"


def dataset_citation(url: str) -> str:
    today = timezone.now().date()
    return (
        f"Creditscape contributors ({today.year}). {DATASET_TITLE} [Data set]. "
        f"Retrieved {today.isoformat()}, from {url}. Licence: {LICENCE_NAME} ({LICENCE_URL})."
    )
