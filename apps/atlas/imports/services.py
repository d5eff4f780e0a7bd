"""Importing entries: every row validated by the entry services' own rules, duplicates
found by the same similarity rule as the entry form, all rows in one transaction (one bad
row and nothing is stored).

Who may import: any signed-in user through this service (the upload page is for
moderators; ``manage.py import_entries --user`` names anyone) and operators
(``manage.py import_entries --publish``, no user). Contributors named in the file are
credited again by the rule in credits.py (never as another account). Publishing on import: operators with
``--publish``, and moderators for the rows of countries they moderate; every other row
enters as submitted, authored by the importer, and goes through the review queue like an
entry made by hand.

A published row passes the same checks as an entry published by hand: the codebook's
required value citations (ADR 0011) included. A CSV row carries no citations, so while
the codebook requires some, publishing on import is refused, with the uncited fields
named on each row and nothing stored (the issue's rule: publishing without a required
citation answers 400). Import the rows unpublished and cite them on their forms, or,
for entries coded elsewhere, run the operator's import with
CODING_ENFORCE_REQUIRED_CITATIONS=false (docs/codebook.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.common import http_cache

from .. import extensions
from ..entries import services as entry_services
from ..entries import transitions
from ..entries.selectors import examples_visible_to, similar_examples
from ..entries.validation import Errors, clean_evidence, clean_example, clean_passage_links
from ..lifecycle import services as lifecycle_services
from ..models import Category, Example, Status
from ..permissions import can_moderate_example
from .credits import recorded_credits
from .parse import ParsedRow, parse_rows


@dataclass
class RowReport:
    number: int
    title: str
    errors: list[str] = field(default_factory=list)
    duplicates: list[Example] = field(default_factory=list)
    status: str = ""


@dataclass
class ImportReport:
    headers: list[str]
    mapping: dict[str, str]
    rows: list[RowReport]
    imported: list[Example] = field(default_factory=list)
    dry_run: bool = True

    @property
    def errors(self) -> list[RowReport]:
        return [r for r in self.rows if r.errors]

    @property
    def duplicates(self) -> list[RowReport]:
        return [r for r in self.rows if r.duplicates]

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(ValidationError):
    """Some rows are invalid (or duplicates were not confirmed): nothing was stored.
    ``report`` says which, by row number."""

    def __init__(self, report: ImportReport, message: str):
        self.report = report
        super().__init__(message)


@dataclass
class _FileContext:
    """What every row's check reads, read once per file."""

    categories: dict
    # Places (country codes and scopes) that have entries a duplicate could be among:
    # rows elsewhere skip the similarity query.
    places: set


def _file_context(actor) -> _FileContext:
    places = set()
    for country, scope in (
        examples_visible_to(viewer=actor).exclude(status=Status.REJECTED)
        .order_by().values_list("country", "scope").distinct()
    ):  # fmt: skip
        places.add(country or scope)
    return _FileContext(categories={c.slug: c for c in Category.objects.all()}, places=places)


def _check(actor, row: ParsedRow, context: _FileContext, *, publish: bool) -> RowReport:
    report = RowReport(number=row.number, title=row.title, errors=list(row.errors))
    if row.data is None:
        return report
    errors = Errors()
    values = clean_example(row.data, errors, categories=context.categories)
    clean_evidence(row.evidence, errors)
    clean_passage_links(row.passages, actor, errors)
    lifecycle_services.clean_events(row.lifecycle_events, errors)
    for field_name, messages in errors.by_field.items():
        for message in messages:
            report.errors.append(f"{field_name}: {message}" if field_name != "__all__" else message)
    if not errors.by_field:
        # Asked of the unsaved entry, so the preview already names the rows publishing
        # would refuse (a row has no citations yet); the import asks again when storing.
        candidate = Example(**values, status=Status.PUBLISHED)
        if _may_publish(actor, candidate, publish):
            try:
                extensions.check_publishable(candidate)
            except ValidationError as exc:
                report.errors.extend(_messages(exc))
    place = values.get("country") or values.get("scope")
    if values.get("title") and place and str(place) in context.places:
        report.duplicates = similar_examples(viewer=actor, title=values["title"], country=place)
    return report


def _may_publish(actor, example: Example, publish: bool) -> bool:
    if not publish:
        return False
    return actor is None or can_moderate_example(actor, example)


def entries_import(
    *,
    actor,
    text: str,
    mapping: dict[str, str] | None = None,
    publish: bool = False,
    dry_run: bool = False,
    confirm_duplicates: bool = False,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) import the rows of a CSV file.

    ``actor`` is a signed-in user, or None for an operator's command. Raises
    PermissionDenied for an anonymous actor, parse.ImportFileError for a file that cannot be read, and
    ImportRefused (nothing stored) when a row is invalid or, unless ``confirm_duplicates``,
    has duplicate candidates. A dry run returns the report without writing."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to import entries."))
    headers, used_mapping, rows = parse_rows(text, mapping)
    context = _file_context(actor)
    reports = [_check(actor, row, context, publish=publish) for row in rows]
    report = ImportReport(headers=headers, mapping=used_mapping, rows=reports, dry_run=dry_run)
    if dry_run:
        return report
    if not report.ok:
        raise ImportRefused(
            report,
            _("%(n)s rows have errors; nothing was imported.") % {"n": len(report.errors)},
        )
    if report.duplicates and not confirm_duplicates:
        raise ImportRefused(
            report,
            _("%(n)s rows look like existing entries; check them and confirm.")
            % {"n": len(report.duplicates)},
        )
    with transaction.atomic():
        for row, row_report in zip(rows, reports, strict=True):
            try:
                with transaction.atomic():
                    example = _import_row(actor, row, publish=publish)
            except ValidationError as exc:
                # Refused when stored: publishing's own checks (the codebook's required
                # value citations, which a CSV row does not carry), reported by row.
                row_report.errors.extend(_messages(exc))
                continue
            if row.lifecycle_events:
                errors = Errors()
                events = lifecycle_services.clean_events(row.lifecycle_events, errors)
                errors.raise_if_any()  # checked above: cannot fail here
                lifecycle_services.replace_events(example=example, events=events, actor=actor)
            credited = recorded_credits(row.credits, actor)
            if credited:
                # Not a field anyone edits: stored as the file gives it (credits.py).
                http_cache.update_and_invalidate(
                    Example.objects.filter(pk=example.pk), recorded_credits=credited
                )
                example.recorded_credits = credited
            row_report.status = example.status
            report.imported.append(example)
        if not report.ok:
            report.imported = []
            raise ImportRefused(
                report,
                _("%(n)s rows could not be published; nothing was imported.")
                % {"n": len(report.errors)},
            )
    return report


def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        message if name == "__all__" else f"{name}: {message}"
        for name, messages in exc.message_dict.items()
        for message in messages
    ]


def _import_row(actor, row: ParsedRow, *, publish: bool) -> Example:
    if actor is None:
        if publish:
            return entry_services.example_import_published(
                data=row.data, evidence=row.evidence, passages=row.passages
            )
        raise PermissionDenied(_("An import without a user must publish (--publish)."))
    example = entry_services.example_create(
        author=actor,
        data=row.data,
        evidence=row.evidence,
        passages=row.passages,
        submit=False,
        confirm_distinct=True,  # duplicates were checked for the whole file above
    )
    if _may_publish(actor, example, publish):
        example = transitions.example_transition(actor=actor, example=example, to="submitted")
        if example.status != Status.PUBLISHED:
            example = transitions.example_transition(actor=actor, example=example, to="published")
        return example
    # Not theirs to publish: reviewed like any submission, even from a trusted account
    # (a file of rows is not one entry someone wrote with care).
    return transitions.example_transition(
        actor=actor, example=example, to="submitted", hold_for_review=True
    )
