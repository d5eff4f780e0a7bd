"""Reads of the coding app: the codebook in force, an entry's citations, who may see a
coding, and the reliability data the agreement statistics are computed from."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from apps.atlas.models import Example
from apps.atlas.permissions import can_edit, can_moderate_example
from apps.moderation.permissions import is_moderator

from .codebook import initial_dimensions
from .models import (
    AnchorStatus,
    CodebookVersion,
    Coding,
    CodingRequest,
    RequestStatus,
    ValueCitation,
)

CURRENT_ATTRIBUTE = "current_value_citations"


def current_codebook() -> CodebookVersion:
    """The newest codebook version (version 1 is made by migration 0002; a database
    emptied by a test gets it back unsaved, so reads never write)."""
    codebook = CodebookVersion.objects.order_by("-number").first()
    if codebook is None:
        from .codebook import DEFAULT_REQUIRED_CITATIONS

        return CodebookVersion(
            number=1,
            dimensions=initial_dimensions(),
            required_citations=list(DEFAULT_REQUIRED_CITATIONS),
            reason="Initial codebook.",
        )
    return codebook


def codebook_versions() -> QuerySet:
    return CodebookVersion.objects.select_related("created_by").order_by("-number")


def citations_prefetch() -> Prefetch:
    """The entry's current citations (not a blind coder's, not replaced), for lists."""
    return Prefetch(
        "value_citations",
        queryset=ValueCitation.objects.filter(coding=None, replaced_at=None)
        .select_related("document__source", "passage")
        .order_by("field", "pk"),
        to_attr=CURRENT_ATTRIBUTE,
    )


def entry_citations(example: Example) -> list[ValueCitation]:
    if hasattr(example, CURRENT_ATTRIBUTE):
        return getattr(example, CURRENT_ATTRIBUTE)
    return list(
        ValueCitation.objects.filter(example=example, coding=None, replaced_at=None)
        .select_related("document__source", "passage")
        .order_by("field", "pk")
    )


def public_citations(example: Example) -> list[ValueCitation]:
    """What readers see: orphaned citations are listed to the author and moderators only."""
    return [c for c in entry_citations(example) if c.anchor_status != AnchorStatus.ORPHANED]


def orphaned_citations(*, viewer, example: Example) -> list[ValueCitation]:
    if not can_edit(user=viewer, example=example) and not can_moderate_example(viewer, example):
        return []
    return [c for c in entry_citations(example) if c.anchor_status == AnchorStatus.ORPHANED]


def citation_history(example: Example) -> QuerySet:
    """Every entry citation ever attached (replaced ones too), oldest first."""
    return (
        ValueCitation.objects.filter(example=example, coding=None)
        .select_related("document__source")
        .order_by("since_version", "pk")
    )


# --- Double coding ---------------------------------------------------------------------------


def coding_requests_for(example: Example) -> QuerySet:
    citations = Prefetch(
        "citations",
        queryset=ValueCitation.objects.filter(replaced_at=None).select_related("document__source"),
        to_attr="current_citations",
    )
    codings = Coding.objects.select_related("coder").prefetch_related(citations).order_by("pk")
    return (
        CodingRequest.objects.filter(example=example)
        .select_related("codebook", "example")
        .prefetch_related(Prefetch("codings", queryset=codings))
        .order_by("-created", "-pk")
    )


def open_request(example: Example) -> CodingRequest | None:
    return CodingRequest.objects.filter(example=example, status=RequestStatus.OPEN).first()


def my_coding(*, viewer, example: Example) -> Coding:
    """The viewer's coding of the entry's open request (or the latest one they were on);
    Http404 for anyone not assigned: codings are blind."""
    if not viewer.is_authenticated:
        raise Http404(_("No coding of yours for this entry."))
    coding = (
        Coding.objects.filter(request__example=example, coder=viewer)
        .select_related("request")
        .order_by("-request__created", "-pk")
        .first()
    )
    if coding is None:
        raise Http404(_("No coding of yours for this entry."))
    return coding


def codings_visible_to(*, viewer, request: CodingRequest) -> list[Coding]:
    """Others' codings are 404 until reconciliation (blind), except to moderators of the
    entry's country, who reconcile: after it everyone who may see the entry sees them."""
    codings = sorted(request.codings.all(), key=lambda coding: coding.pk)  # prefetched
    if request.status == RequestStatus.RECONCILED:
        return codings
    if can_moderate_example(viewer, request.example):
        return codings
    return [c for c in codings if viewer.is_authenticated and c.coder_id == viewer.pk]


def coding_history(example: Example) -> list[CodingRequest]:
    """Reconciled requests with every coding: shown on the entry's history."""
    return list(coding_requests_for(example).filter(status=RequestStatus.RECONCILED))


def reliability_codings(*, country: str | None = None) -> QuerySet:
    """Submitted codings of requests with at least two submitted codings, as rows of
    (request id, coder id, values): the reliability data of the agreement statistics."""
    qs = Coding.objects.filter(submitted_at__isnull=False).exclude(
        request__status=RequestStatus.CANCELLED
    )
    if country:
        qs = qs.filter(Q(request__example__country=country) | Q(request__example__scope=country))
    return qs.values_list("request_id", "coder_id", "values").order_by("request_id", "coder_id")


def reconciled_values(*, coder_id: int) -> QuerySet:
    """(coding values, reconciled choices, reconciled at) for a coder's reconciled codings."""
    return (
        Coding.objects.filter(
            coder_id=coder_id,
            submitted_at__isnull=False,
            request__status=RequestStatus.RECONCILED,
        )
        .values_list("values", "request__choices", "request__reconciled_at")
        .order_by("request__reconciled_at")
    )


# --- Agreement -----------------------------------------------------------------------------


def agreement_fields() -> list[tuple[str, str]]:
    return [(row["name"], row["level"]) for row in current_codebook().dimensions]


def agreement_for(*, country: str | None = None, samples: int | None = None):
    """Alpha per field over all double-coded entries (of ``country``, a country code or
    a supranational scope). ValueError for a code that is neither."""
    from django_countries import countries

    from apps.atlas.dimensions import Scope

    from . import agreement

    if country and country not in Scope.values and country not in dict(countries):
        raise ValueError(_("“%(code)s” is not a country code or a scope.") % {"code": country[:8]})
    rows = list(reliability_codings(country=country))
    return agreement.agreement(
        rows,
        agreement_fields(),
        samples=agreement.BOOTSTRAP_SAMPLES if samples is None else samples,
    )


def coder_agreement_for(*, coder_id: int) -> dict:
    """A coder's agreement with the reconciled values: per field, the share of values
    equal to the reconciled ones and Krippendorff's alpha between the coder and the
    reconciliation (two "coders" over the coder's reconciled units, same levels as the
    published alpha, with its bootstrap interval); and the share per month."""
    from . import agreement

    per_field: dict[str, list] = {}
    per_month: dict[str, list] = {}
    rows: list[tuple[int, int, dict]] = []
    for unit, (values, choices, reconciled_at) in enumerate(reconciled_values(coder_id=coder_id)):
        month = reconciled_at.strftime("%Y-%m") if reconciled_at else ""
        final = {field: (choice or {}).get("value") for field, choice in (choices or {}).items()}
        for field, value in final.items():
            if field in values:
                pair = (values[field], value)
                per_field.setdefault(field, []).append(pair)
                per_month.setdefault(month, []).append(pair)
        rows.append((unit, 0, {field: values[field] for field in final if field in values}))
        rows.append((unit, 1, final))
    alphas = {}
    if rows:
        alphas = {row.field: row for row in agreement.agreement(rows, agreement_fields())}

    def share(pairs):
        agreed, compared = agreement.coder_agreement(pairs)
        return {"agreed": agreed, "compared": compared,
                "share": round(agreed / compared, 4) if compared else None}  # fmt: skip

    def field_row(field, pairs):
        row = share(pairs)
        alpha = alphas.get(field)
        row["alpha"] = alpha.as_json()["alpha"] if alpha else None
        row["ci"] = alpha.as_json()["ci"] if alpha else None
        row["level"] = alpha.level if alpha else None
        return row

    return {
        "fields": {field: field_row(field, pairs) for field, pairs in per_field.items()},
        "months": {month: share(pairs) for month, pairs in sorted(per_month.items())},
    }


def may_see_coder_agreement(*, viewer, coder) -> bool:
    """A coder's own agreement is theirs and the moderators' (who choose coders): not
    public, unlike the agreement per dimension (docs/codebook.md)."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.pk == coder.pk or is_moderator(viewer)


def example_for_coder(*, viewer, example_id) -> Example:
    """The entry as its page shows it to ``viewer``, or, for an unpublished entry, to a
    coder assigned to it (they code drafts and submissions they could not otherwise
    see); Http404 for anyone else."""
    from apps.atlas.entries.selectors import example_get, with_details
    from apps.common.validators import as_id

    try:
        return example_get(viewer=viewer, example_id=example_id)
    except Http404:
        example_id = as_id(example_id)  # a 23-digit id fits no column: 404, not a 500
        if (
            example_id is None
            or not viewer.is_authenticated
            or not Coding.objects.filter(request__example_id=example_id, coder=viewer).exists()
        ):
            raise
        return with_details(Example.objects.filter(pk=example_id)).get()
