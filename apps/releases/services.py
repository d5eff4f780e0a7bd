"""Writes of releases: cut one (moderators), freeze the snapshot and build the files (the
Celery task), retry a failed build, record a DOI. Nothing here ever rewrites a ready
release's snapshot or files (ADR 0009)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
from collections.abc import Iterable

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from apps.atlas import codebook as atlas_codebook
from apps.atlas.entries.selectors import categories, example_export_batches, published_examples
from apps.atlas.models import Example
from apps.coding import releases as coding_releases
from apps.common import events, http_cache
from apps.common.markdown import render_markdown
from apps.common.site import absolute_url
from apps.moderation import permissions as moderation_roles

from . import files, selectors, snapshot
from .models import (
    FILE_CHUNK_BYTES,
    NOTES_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Release,
    ReleaseEntry,
    ReleaseFile,
    ReleaseFileChunk,
    ReleaseStatus,
)
from .versions import parse_version

logger = logging.getLogger(__name__)

FREEZE_BATCH = 500
DOI = re.compile(r"^10\.\d{4,9}/[^\s]{1,180}$")


def can_cut_release(user) -> bool:
    """A release covers every country, so only global moderators (and admins) cut one."""
    return moderation_roles.is_global_moderator(user)


def _require_release_manager(user) -> None:
    if not can_cut_release(user):
        raise PermissionDenied(_("Only global moderators can cut or change releases."))


def _clean_text(value: str, *, field: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(n)s characters, please.") % {"n": max_length}})
    return value


@transaction.atomic
def release_create(*, actor, version: str, title: str, notes: str = "") -> Release:
    """Cut release ``version`` (MAJOR.MINOR.PATCH, greater than every release so far):
    the snapshot and the files are made by the build task, enqueued on commit.

    Raises PermissionDenied (not a global moderator) and ValidationError (bad or not
    increasing version, missing title, another release still building)."""
    _require_release_manager(actor)
    version = (version or "").strip()
    numbers = parse_version(version)
    title = _clean_text(title, field="title", max_length=TITLE_MAX_LENGTH, required=True)
    notes = _clean_text(notes, field="notes", max_length=NOTES_MAX_LENGTH, required=False)
    # Serialise cuts: the "increasing" check and the one-build-at-a-time rule hold even
    # for two moderators pressing the button at once (on PostgreSQL; SQLite locks anyway).
    list(Release.objects.select_for_update().values_list("pk", flat=True))
    latest = Release.objects.order_by("-major", "-minor", "-patch").first()
    if latest is not None and numbers <= (latest.major, latest.minor, latest.patch):
        raise ValidationError(
            {
                "version": _("Versions only go up: the latest release is %(v)s.")
                % {"v": latest.version}
            }
        )
    if Release.objects.filter(status=ReleaseStatus.BUILDING).exists():
        raise ValidationError(
            {"version": _("Another release is still being built; wait until it is ready.")}
        )
    release = Release(
        version=version,
        major=numbers[0],
        minor=numbers[1],
        patch=numbers[2],
        title=title,
        notes=notes,
        notes_html=render_markdown(notes),
        created_by=actor,
    )
    release.full_clean()
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError as exc:  # the same version cut twice at once
        raise ValidationError({"version": _("This version exists already.")}) from exc
    events.publish("release.build_requested", release_id=release.pk)
    return release


# A build still "building" after this long has no job any more (its enqueue was lost in a
# broker outage, or its worker died past the task's hard limit): it may be retried.
STALLED_AFTER = datetime.timedelta(minutes=35)


@transaction.atomic
def release_retry(*, actor, release: Release) -> Release:
    """Build a failed (or stalled) release again (from its snapshot when it was frozen)."""
    _require_release_manager(actor)
    release = Release.objects.select_for_update().get(pk=release.pk)
    stalled = (
        release.status == ReleaseStatus.BUILDING
        and release.created_at < timezone.now() - STALLED_AFTER
    )
    if release.status != ReleaseStatus.FAILED and not stalled:
        raise ValidationError(_("Only a failed or stalled release can be built again."))
    release.status, release.error = ReleaseStatus.BUILDING, ""
    release.save(update_fields=["status", "error"])
    events.publish("release.build_requested", release_id=release.pk)
    return release


@transaction.atomic
def release_set_doi(*, actor, release: Release, doi: str) -> Release:
    """Record the DOI the deposit received (or clear it). The pages and citations show
    it; the release's files keep the bytes they were built with."""
    _require_release_manager(actor)
    doi = (doi or "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :]
    if doi and not DOI.match(doi):
        raise ValidationError({"doi": _("A DOI looks like 10.5281/zenodo.1234567.")})
    release = Release.objects.select_for_update().get(pk=release.pk)
    release.doi = doi
    release.save(update_fields=["doi"])
    return release


# --- The build (run by tasks.build_release) ----------------------------------------------------


def _progress(release: Release, *, done: int, total: int, step: str) -> None:
    try:
        cache.set(
            selectors.PROGRESS_KEY.format(release.pk),
            {"done": done, "total": total, "step": step},
            3600,
        )
    except Exception:  # noqa: BLE001 - progress is a courtesy; the build goes on
        logger.warning("Could not record the progress of release %s", release.pk)


def _codebook_snapshot() -> dict:
    with override("en"):
        return {
            "unknown": str(atlas_codebook.UNKNOWN_DEFINITION),
            "categories": [
                {"slug": c.slug, "name": c.name, "description": c.description} for c in categories()
            ],
            "dimensions": [
                {
                    "name": d["name"],
                    "label": str(d["label"]),
                    "question": str(d["question"]),
                    "multiple": d["multiple"],
                    "values": [
                        {"value": value, "label": str(label), "definition": str(definition)}
                        for value, label, definition in d["value_rows"]
                    ],
                }
                for d in atlas_codebook.dimensions()
            ],
        }


def _coding_snapshot(previous: Release | None) -> dict:
    """Coder agreement and the coding codebook at this instant: agreement moves with every
    double coding, so the release keeps the text it ships (a rebuild writes the same bytes)."""
    since = (previous.coding or {}).get("codebook_version") if previous else None
    with override("en"):
        return {
            "codebook_version": coding_releases.codebook_number(),
            "notes": coding_releases.release_notes_lines(since_codebook=since),
            "agreement_csv": coding_releases.agreement_csv(),
        }


# The snapshot's columns in COPY order (every one but the id).
_ENTRY_FIELDS = [f for f in ReleaseEntry._meta.concrete_fields if not f.primary_key]


def _insert_entries(rows: Iterable[dict]) -> None:
    """Store snapshot rows (dicts by column attribute name). On PostgreSQL one ``COPY``
    per batch, of plain values: ``bulk_create`` binds the batch as arrays that the
    driver quotes character by character, a third of a cut's time for rows that carry
    three export formats each, and a model instance per row costs more than the row's
    own copying (docs/benchmarks.md)."""
    if connection.vendor != "postgresql":
        ReleaseEntry.objects.bulk_create(ReleaseEntry(**row) for row in rows)
        return
    quote = connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(ReleaseEntry._meta.db_table), ", ".join(quote(f.column) for f in _ENTRY_FIELDS)
    )
    names = [field.attname for field in _ENTRY_FIELDS]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            # The JSON column as JSON text (what the JSONField would have sent).
            row["record"] = json.dumps(row["record"], ensure_ascii=False)
            copy.write_row([row[name] for name in names])


def _freeze(release: Release) -> Release:
    """Copy every published entry into the release, in one transaction and (on
    PostgreSQL) one consistent read: the snapshot is the dataset at one instant."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.frozen_at is not None:
            return release
        release.frozen_at = timezone.now()
        numbers = (release.major, release.minor, release.patch)
        release.previous = next(
            (
                older
                for older in Release.objects.filter(status=ReleaseStatus.READY).order_by(
                    "-major", "-minor", "-patch"
                )
                if (older.major, older.minor, older.patch) < numbers
            ),
            None,
        )
        with override("en"), snapshot.fixed_urls():
            header = snapshot.csv_header(absolute_url)
            dataset_url = files.release_url(release)
            total = published_examples().count()
            position = 0

            def store(batch: list[Example]) -> None:
                parts = snapshot.export_parts(batch, absolute_url, dataset_url)
                _insert_entries(
                    {
                        "release_id": release.pk,
                        "position": position - len(batch) + index,
                        "example_id": example.pk,
                        "title": example.title,
                        "country": example.country_iso,
                        "scope": example.scope,
                        "category": example.category.slug,
                        "category_name": example.category.name,
                        "lifecycle": example.lifecycle,
                        "operator": example.operator,
                        "start_year": example.start_year,
                        "end_year": example.end_year,
                        "record": snapshot.entry_record(example, absolute_url),
                        "csv_row": csv_row,
                        "geojson": feature,
                        "jsonld": part,
                    }
                    for index, (example, (csv_row, feature, part)) in enumerate(
                        zip(batch, parts, strict=True)
                    )
                )
                _progress(release, done=position, total=total, step=_("Freezing entries"))

            for batch in example_export_batches(batch_size=FREEZE_BATCH):
                position += len(batch)
                store(batch)
        release.codebook = _codebook_snapshot()
        release.coding = _coding_snapshot(release.previous)
        release.csv_header = header
        release.entry_count = position
        release.save(
            update_fields=[
                "frozen_at", "previous", "codebook", "coding", "csv_header", "entry_count"
            ]
        )  # fmt: skip
    return release


class _FileSink:
    """One file being written: text appended in pieces is encoded, hashed and stored in
    chunks of ``FILE_CHUNK_BYTES`` as it comes, so memory holds one chunk whatever the
    file's size. Opening a file again replaces a half-written one. Call inside a
    transaction; ``close()`` records the size and SHA-256."""

    def __init__(self, release: Release, name: str, order: int):
        ReleaseFile.objects.filter(release=release, name=name).delete()
        self.stored = ReleaseFile.objects.create(
            release=release, name=name, media_type=files.MEDIA_TYPES[name], order=order
        )
        self._digest, self._size, self._index, self._buffer = hashlib.sha256(), 0, 0, bytearray()

    def write(self, piece: str) -> None:
        if not piece:
            return
        data = piece.encode("utf-8")
        self._digest.update(data)
        self._size += len(data)
        self._buffer += data
        while len(self._buffer) >= FILE_CHUNK_BYTES:
            self._store_chunk(bytes(self._buffer[:FILE_CHUNK_BYTES]))
            del self._buffer[:FILE_CHUNK_BYTES]

    def _store_chunk(self, data: bytes) -> None:
        if connection.vendor == "postgresql":
            # COPY sends the bytes as they are; an INSERT's parameter would travel (and be
            # parsed) as a hex literal twice the chunk's size.
            statement = "COPY {} ({}, {}, {}) FROM STDIN".format(
                *map(
                    connection.ops.quote_name,
                    (ReleaseFileChunk._meta.db_table, "file_id", "index", "data"),
                )
            )
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                copy.write_row([self.stored.pk, self._index, data])
        else:
            ReleaseFileChunk.objects.create(file=self.stored, index=self._index, data=data)
        self._index += 1

    def close(self) -> ReleaseFile:
        if self._buffer:
            self._store_chunk(bytes(self._buffer))
            self._buffer = bytearray()
        self.stored.size, self.stored.sha256 = self._size, self._digest.hexdigest()
        self.stored.save(update_fields=["size", "sha256"])
        return self.stored


def _write_file(release: Release, name: str, order: int, pieces: Iterable[str]) -> ReleaseFile:
    """Stream ``pieces`` into the file's chunks, hashing as they pass."""
    with transaction.atomic():
        sink = _FileSink(release, name, order)
        for piece in pieces:
            sink.write(piece)
        return sink.close()


# The files made from every snapshot entry, written together in one pass over it.
VALUE_CITATIONS = "value-citations.csv"
_ENTRY_PASS_FILES = ("entries.csv", "entries.geojson", "entries.jsonld", VALUE_CITATIONS)


def _write_entry_files(
    release: Release, missing: list[str], people: files.Authors
) -> dict[str, ReleaseFile]:
    """Write the ``missing`` entries files in one streamed pass over the snapshot (each
    entry's stored parts read once), gathering the release's authors on the way."""
    order = {name: files.FILE_NAMES.index(name) for name in _ENTRY_PASS_FILES}
    with transaction.atomic():
        writers = []
        for name in missing:
            builder = (
                files.ValueCitationsFile()
                if name == VALUE_CITATIONS
                else files.EntryFile(release, name)
            )
            writers.append((name, builder, _FileSink(release, name, order[name])))
        # Each entries file's snapshot column, read once; of the record only what
        # value-citations.csv and the authors need (decoding whole records costs more).
        columns = [
            files.ENTRY_FILE_COLUMNS[name] for name, _b, _s in writers if name != VALUE_CITATIONS
        ]
        columns += ["example_id", "record__contributors", "record__citations"]
        for _name, builder, sink in writers:
            sink.write(builder.head())
        for done, row in enumerate(selectors.entry_columns(release, columns), start=1):
            record = {"id": row[-3], "contributors": row[-2] or [], "citations": row[-1]}
            people.add(record)
            parts = iter(row)
            for name, builder, sink in writers:
                sink.write(builder.item(record if name == VALUE_CITATIONS else next(parts)))
            if done % 10000 == 0:
                _progress(
                    release,
                    done=done,
                    total=release.entry_count,
                    step=_("Writing the entries files"),
                )
        stored = {}
        for name, builder, sink in writers:
            sink.write(builder.tail())
            stored[name] = sink.close()
        return stored


def _pieces(
    release: Release, name: str, built: dict[str, tuple[int, str]], people: list[dict]
) -> Iterable[str]:
    if name == "codebook.md":
        return files.codebook_md(release)
    if name == "agreement.csv":
        return files.agreement_csv(release)
    if name == "CHANGELOG.md":
        pairs = selectors.record_pairs(release.previous, release) if release.previous else []
        return files.changelog_md(release, pairs, snapshot.RECORD_FIELDS)
    if name == "CITATION.cff":
        return files.citation_cff(release, people)
    if name == ".zenodo.json":
        return files.zenodo_json(release, people)
    if name == "datapackage.json":
        return files.datapackage_json(release, dict(built))
    return files.sha256sums(built)


def release_build(*, release_id: int) -> Release:
    """Freeze the snapshot (once) and write every file from it; mark the release ready,
    or failed with a message for the moderators. Idempotent: a ready release is left as
    it is, a file already written is kept, a half-written one is written again."""
    release = Release.objects.select_related("previous").get(pk=release_id)
    if release.status != ReleaseStatus.BUILDING:
        return release
    try:
        release = _freeze(release)
        release = Release.objects.select_related("previous").get(pk=release.pk)
        done = {f.name: f for f in ReleaseFile.objects.filter(release=release).exclude(sha256="")}
        total = len(files.FILE_NAMES)
        _progress(release, done=0, total=total, step=_("Writing the entries files"))
        # One pass over the snapshot writes the four files made from every entry (and
        # finds the authors); a retry after they were written reads the records alone.
        missing = [name for name in _ENTRY_PASS_FILES if name not in done]
        people = files.Authors()
        if missing:
            done.update(_write_entry_files(release, missing, people))
        else:
            for record in selectors.entry_column(release, "record"):
                people.add(record)
        authors = people.sorted()
        built: dict[str, tuple[int, str]] = {}
        for order, name in enumerate(files.FILE_NAMES):
            if name not in done:
                _progress(
                    release, done=order, total=total, step=_("Writing %(name)s") % {"name": name}
                )
            stored = done.get(name) or _write_file(
                release, name, order, _pieces(release, name, built, authors)
            )
            built[name] = (stored.size, stored.sha256)
        release.status = ReleaseStatus.READY
        release.save(update_fields=["status"])
        _progress(release, done=total, total=total, step="")
    except Exception as exc:  # noqa: BLE001 - recorded for the moderators, then re-raised
        logger.exception("Building release %s failed", release_id)
        http_cache.update_and_invalidate(
            Release.objects.filter(pk=release_id),
            status=ReleaseStatus.FAILED,
            error=_("The build stopped (%(kind)s). Try again from the release's page.")
            % {"kind": type(exc).__name__},
        )
        raise
    events.publish("release.ready", release_id=release.pk)
    return release
