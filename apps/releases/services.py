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


def _insert_entries(rows: Iterable[ReleaseEntry]) -> None:
    """Store snapshot rows. On PostgreSQL one ``COPY`` per batch: ``bulk_create`` binds
    the batch as arrays that the driver quotes character by character, a third of a
    cut's time for rows that carry three export formats each (docs/benchmarks.md)."""
    if connection.vendor != "postgresql":
        ReleaseEntry.objects.bulk_create(rows)
        return
    quote = connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(ReleaseEntry._meta.db_table), ", ".join(quote(f.column) for f in _ENTRY_FIELDS)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            values = [getattr(row, field.attname) for field in _ENTRY_FIELDS]
            # The JSON column as JSON text (what the JSONField would have sent).
            values = [
                json.dumps(value, ensure_ascii=False) if field.name == "record" else value
                for field, value in zip(_ENTRY_FIELDS, values, strict=True)
            ]
            copy.write_row(values)


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
        with override("en"):
            header = snapshot.csv_header(absolute_url)
            dataset_url = files.release_url(release)
            total = published_examples().count()
            position = 0

            def store(batch: list[Example]) -> None:
                parts = snapshot.export_parts(batch, absolute_url, dataset_url)
                _insert_entries(
                    ReleaseEntry(
                        release=release,
                        position=position - len(batch) + index,
                        example_id=example.pk,
                        title=example.title,
                        country=example.country_iso,
                        scope=example.scope,
                        category=example.category.slug,
                        category_name=example.category.name,
                        lifecycle=example.lifecycle,
                        operator=example.operator,
                        start_year=example.start_year,
                        end_year=example.end_year,
                        record=snapshot.entry_record(example, absolute_url),
                        csv_row=csv_row,
                        geojson=feature,
                        jsonld=part,
                    )
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


def _write_file(release: Release, name: str, order: int, pieces: Iterable[str]) -> ReleaseFile:
    """Stream ``pieces`` into the file's chunks, hashing as they pass: memory holds one
    chunk, whatever the file's size. Writing a file again replaces a half-written one."""
    with transaction.atomic():
        ReleaseFile.objects.filter(release=release, name=name).delete()
        stored = ReleaseFile.objects.create(
            release=release, name=name, media_type=files.MEDIA_TYPES[name], order=order
        )
        digest, size, index, buffer = hashlib.sha256(), 0, 0, bytearray()
        for piece in pieces:
            data = piece.encode("utf-8")
            digest.update(data)
            size += len(data)
            buffer += data
            while len(buffer) >= FILE_CHUNK_BYTES:
                ReleaseFileChunk.objects.create(
                    file=stored, index=index, data=bytes(buffer[:FILE_CHUNK_BYTES])
                )
                del buffer[:FILE_CHUNK_BYTES]
                index += 1
        if buffer:
            ReleaseFileChunk.objects.create(file=stored, index=index, data=bytes(buffer))
        stored.size, stored.sha256 = size, digest.hexdigest()
        stored.save(update_fields=["size", "sha256"])
    return stored


def _pieces(release: Release, name: str, built: dict[str, tuple[int, str]]) -> Iterable[str]:
    if name == "entries.csv":
        return files.entries_csv(release, selectors.entry_column(release, "csv_row"))
    if name == "entries.geojson":
        return files.entries_geojson(release, selectors.entry_column(release, "geojson"))
    if name == "entries.jsonld":
        return files.entries_jsonld(release, selectors.entry_column(release, "jsonld"))
    if name == "codebook.md":
        return files.codebook_md(release)
    if name == "value-citations.csv":
        return files.value_citations_csv(selectors.entry_column(release, "record"))
    if name == "agreement.csv":
        return files.agreement_csv(release)
    if name == "CHANGELOG.md":
        pairs = selectors.record_pairs(release.previous, release) if release.previous else []
        return files.changelog_md(release, pairs, snapshot.RECORD_FIELDS)
    if name == "CITATION.cff":
        people = files.authors(selectors.entry_column(release, "record"))
        return files.citation_cff(release, people)
    if name == ".zenodo.json":
        people = files.authors(selectors.entry_column(release, "record"))
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
        built: dict[str, tuple[int, str]] = {}
        total = len(files.FILE_NAMES)
        for order, name in enumerate(files.FILE_NAMES):
            _progress(release, done=order, total=total, step=_("Writing %(name)s") % {"name": name})
            stored = done.get(name) or _write_file(
                release, name, order, _pieces(release, name, built)
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
