"""The atlas as of a dataset release: ``?release=<version>`` on the map and the exports
shows the data frozen in that release, and "Cite this dataset" cites that release (the
latest one on the live pages).

Releases live in a higher app (``apps/releases``, ADR 0009), which registers a provider
from its ``ready()``; the atlas never imports it. Without a provider (the app not
installed) ``?release=`` is a 404 and there is nothing to cite but the live dataset.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from .entries.filters import ExampleFilters

# What pages that show releases read, by name (the atlas does not import the app).
RELEASE_MODELS = ("releases.Release", "releases.ReleaseEntry")


@dataclass(frozen=True)
class AsOf:
    """One ready release, as the atlas's pages and exports read it."""

    version: str
    url: str  # the release's page
    date: datetime.date
    # The map's aggregates ({"countries", "supranational", "total"}) under these filters.
    aggregates: Callable[[ExampleFilters], dict]
    # The entries' parts of an export file ("csv", "geojson", "jsonld"), as frozen, under
    # these filters; and the file's CSV header.
    export_parts: Callable[[str, ExampleFilters], Iterable[str]]
    csv_header: str
    citation: str  # how to cite this release (APA)
    # The entries' frozen records (apps/releases/snapshot.py ``entry_record``), in file
    # order, under these filters.
    records: Callable[[ExampleFilters], Iterable[dict]]


@dataclass(frozen=True)
class Citation:
    version: str
    url: str
    text: str


class Provider:
    def as_of(self, version: str) -> AsOf:  # pragma: no cover - an interface
        raise NotImplementedError

    def latest_citation(self) -> Citation | None:  # pragma: no cover - an interface
        raise NotImplementedError


_provider: Provider | None = None


def register(provider: Provider) -> None:
    global _provider
    _provider = provider


def requested(request) -> AsOf | None:
    """The release ``?release=`` names, or None for the live data; Http404 for a version
    that is not a ready release."""
    version = (request.GET.get("release") or "").strip()
    if not version:
        return None
    if _provider is None:
        raise Http404(_("No such release."))
    return _provider.as_of(version)


def latest_citation() -> Citation | None:
    """How to cite the dataset: its latest release, if there is one."""
    return _provider.latest_citation() if _provider is not None else None


def citation_for(release: AsOf | None) -> Citation | None:
    """How to cite what a page shows: the release it is "as of", else the latest one."""
    if release is None:
        return latest_citation()
    return Citation(version=release.version, url=release.url, text=release.citation)
