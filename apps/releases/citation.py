"""How to cite a release: APA, BibTeX and CSL-JSON. The DOI, once a moderator fills it
in, is the link; until then the release's page is."""

from __future__ import annotations

import re

from apps.atlas.citation import DATASET_TITLE, GROUP_AUTHOR, LICENCE_NAME
from apps.common.site import absolute_url

from .models import Release

PUBLISHER = "Creditscape"
_BIBTEX_SPECIAL = re.compile(r"([&%$#_{}\\])")


def release_link(release: Release) -> str:
    if release.doi:
        return f"https://doi.org/{release.doi}"
    return absolute_url(release.get_absolute_url())


def apa(release: Release) -> str:
    return (
        f"{GROUP_AUTHOR} ({release.date_released.year}). {DATASET_TITLE} "
        f"(Version {release.version}) [Data set]. {PUBLISHER}. {release_link(release)}"
    )


def bibtex(release: Release) -> str:
    def escape(value: str) -> str:
        return _BIBTEX_SPECIAL.sub(r"\\\1", value)

    fields = [
        ("author", "{" + escape(GROUP_AUTHOR) + "}"),
        ("title", escape(DATASET_TITLE)),
        ("version", escape(release.version)),
        ("publisher", PUBLISHER),
        ("year", str(release.date_released.year)),
        ("note", f"Licence: {LICENCE_NAME}"),
        ("url", absolute_url(release.get_absolute_url())),
    ]
    if release.doi:
        fields.append(("doi", escape(release.doi)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    key = "creditscape-atlas-" + release.version.replace(".", "-")
    return f"@misc{{{key},\n{body}\n}}"


def csl_json(release: Release) -> dict:
    date = release.date_released
    item = {
        "id": "creditscape-atlas-" + release.version,
        "type": "dataset",
        "title": DATASET_TITLE,
        "version": release.version,
        "author": [{"literal": GROUP_AUTHOR}],
        "publisher": PUBLISHER,
        "issued": {"date-parts": [[date.year, date.month, date.day]]},
        "URL": absolute_url(release.get_absolute_url()),
    }
    if release.doi:
        item["DOI"] = release.doi
    return item


def apa_at_build(release: Release) -> str:
    """The APA line written into the release's files: it links the release's page, never
    the DOI (filled in later), so the files never change."""
    return (
        f"{GROUP_AUTHOR} ({release.date_released.year}). {DATASET_TITLE} "
        f"(Version {release.version}) [Data set]. {PUBLISHER}. "
        f"{absolute_url(release.get_absolute_url())}"
    )
