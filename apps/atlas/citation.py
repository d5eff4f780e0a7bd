"""How to cite an atlas entry (APA, BibTeX) and the atlas dataset as a whole."""

from __future__ import annotations

import re

from django.utils import timezone

from apps.common import csl
from apps.common.markdown import markdown_to_text

from .contributors import contributor_names, credits
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
    """APA 7 for an entry in a reference work that changes: "Group author. (Year). Title
    [Atlas entry]. In <the atlas> (Version N). Creditscape. URL" (what citeproc makes of
    :func:`csl_item` with the official apa.csl; tests/atlas/test_citation_formats.py)."""
    author = _author(example)
    if not author.endswith("."):
        author += "."
    return (
        f"{author} ({_year(example)}). {example.title.rstrip('.')} [Atlas entry]. "
        f"In {DATASET_TITLE} (Version {example.version}). Creditscape. {url}"
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


def csl_item(example: Example, url: str) -> dict:
    """The entry as one CSL-JSON item: an entry in the atlas, by its contributors as one
    group author (as in :func:`apa`), with its version."""
    return {
        "id": f"creditscape-atlas-{example.pk}",
        "citation-key": f"creditscape-atlas-{example.pk}",
        "type": "entry-encyclopedia",
        "title": example.title,
        "author": [csl.name(_author(example))],
        # Each person credited, with their ORCID iD as Crossref's CSL-JSON gives it
        # ("ORCID", "authenticated-orcid"); citeproc and Zotero read the names.
        "contributor": [_contributor(credit) for credit in credits(example)],
        "issued": csl.date_parts(_year(example)),
        "container-title": DATASET_TITLE,
        "publisher": "Creditscape",
        "genre": "Atlas entry",
        "version": str(example.version),
        "URL": url,
        "language": "en",
        "abstract": markdown_to_text(example.summary),
    }


def _contributor(credit) -> dict:
    person = csl.name(credit.name)
    if credit.orcid:
        person["ORCID"] = credit.orcid_url
        person["authenticated-orcid"] = credit.orcid_verified
    return person


def for_example(example: Example, url: str) -> csl.Citation:
    """The entry in the API's citation formats."""
    return csl.Citation(csl=csl_item(example, url), bibtex=bibtex(example, url))


def dataset_citation(url: str) -> str:
    today = timezone.now().date()
    return (
        f"Creditscape contributors ({today.year}). {DATASET_TITLE} [Data set]. "
        f"Retrieved {today.isoformat()}, from {url}. Licence: {LICENCE_NAME} ({LICENCE_URL})."
    )
