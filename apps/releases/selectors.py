"""Reads of releases. Releases are public (building and failed ones show their state);
their snapshot rows and files are read only through here."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Release, ReleaseEntry, ReleaseFile, ReleaseFileChunk, ReleaseStatus
from .versions import is_version

PROGRESS_KEY = "releases:progress:{}"
READ_CHUNK = 2000


def releases() -> QuerySet:
    """Every release, newest version first."""
    return Release.objects.select_related("previous").order_by("-major", "-minor", "-patch")


def latest_release() -> Release | None:
    """The newest ready release (what "Cite this dataset" points at)."""
    return releases().filter(status=ReleaseStatus.READY).first()


def release_get(*, version: str) -> Release:
    if not is_version(version):
        raise Http404(_("No such release."))
    try:
        return releases().get(version=version)
    except Release.DoesNotExist as exc:
        raise Http404(_("No such release.")) from exc


def ready_release_get(*, version: str) -> Release:
    """A ready release (the data ``?release=`` shows); Http404 for others."""
    release = release_get(version=version)
    if not release.is_ready:
        raise Http404(_("This release is not ready yet."))
    return release


def release_files(release: Release) -> list[ReleaseFile]:
    return list(release.files.exclude(sha256="").order_by("order", "name"))


def release_file(*, release: Release, name: str) -> ReleaseFile:
    if not release.is_ready:
        raise Http404(_("This release is not ready yet."))
    try:
        return release.files.exclude(sha256="").get(name=name)
    except ReleaseFile.DoesNotExist as exc:
        raise Http404(_("No such file in this release.")) from exc


def file_chunks(file: ReleaseFile) -> Iterator[bytes]:
    """The file's bytes, one stored chunk at a time (one query per chunk: memory stays
    at one chunk whatever the file's size)."""
    indexes = list(file.chunks.order_by("index").values_list("index", flat=True))
    for index in indexes:
        yield bytes(ReleaseFileChunk.objects.values_list("data", flat=True).get(
            file=file, index=index
        ))  # fmt: skip


def progress(release: Release) -> dict:
    """How far the build is: {"status", "done", "total", "step"}; the running build keeps
    it in the shared cache (a transaction's own writes are invisible to other readers)."""
    if release.status != ReleaseStatus.BUILDING:
        done = len(release_files(release))
        return {"status": release.status, "done": done, "total": done, "step": ""}
    current = cache.get(PROGRESS_KEY.format(release.pk)) or {}
    return {
        "status": release.status,
        "done": current.get("done", 0),
        "total": current.get("total", 0),
        "step": current.get("step", ""),
    }


def entry_column(release: Release, column: str) -> Iterator:
    """One snapshot column of every entry in file order, streamed."""
    return (
        ReleaseEntry.objects.filter(release=release)
        .order_by("position")
        .values_list(column, flat=True)
        .iterator(chunk_size=READ_CHUNK)
    )


def entry_columns(release: Release, columns: list[str]) -> Iterator[tuple]:
    """Several snapshot columns of every entry in file order, streamed (one pass)."""
    return (
        ReleaseEntry.objects.filter(release=release)
        .order_by("position")
        .values_list(*columns)
        .iterator(chunk_size=READ_CHUNK)
    )


def _records_by_id(release: Release) -> Iterator[tuple[int, dict]]:
    return (
        ReleaseEntry.objects.filter(release=release)
        .order_by("example_id")
        .values_list("example_id", "record")
        .iterator(chunk_size=READ_CHUNK)
    )


def record_pairs(previous: Release, release: Release) -> Iterator[tuple[dict | None, dict | None]]:
    """(record in ``previous``, record in ``release``) for every entry in either, by entry
    id: a merge join of two sorted streams, so memory does not grow with the dataset."""
    old, new = _records_by_id(previous), _records_by_id(release)
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a[1], None
            a = next(old, None)
        elif a is None or b[0] < a[0]:
            yield None, b[1]
            b = next(new, None)
        else:
            yield a[1], b[1]
            a, b = next(old, None), next(new, None)


def counts(release: Release) -> dict:
    """Entries of the release by place and by category, most first."""
    entries = ReleaseEntry.objects.filter(release=release).order_by()
    by_place = entries.values("country", "scope").annotate(n=Count("*"))
    by_category = entries.values("category", "category_name").annotate(n=Count("*"))
    return {
        "places": sorted(
            ({"code": row["country"] or row["scope"], "n": row["n"]} for row in by_place),
            key=lambda row: (-row["n"], row["code"]),
        ),
        "categories": sorted(
            (
                {"slug": row["category"], "name": row["category_name"], "n": row["n"]}
                for row in by_category
            ),
            key=lambda row: (-row["n"], row["name"]),
        ),
    }
