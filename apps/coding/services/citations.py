"""Value citations: which evidence or passage (and which words of it) back each coded
value of an entry. The quote is checked against the cited version's text here, as
annotations' selectors are (apps/annotations/services/targets.py), so a citation can
never point at words the source does not contain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.annotations.services.targets import (
    TextPositionSelector,
    TextQuoteSelector,
    resolve_target,
)
from apps.atlas.models import Example
from apps.atlas.permissions import can_edit, moderation_denied_message, needs_review
from apps.sources.models import Document, DocumentStatus, Passage

from ..codebook import coded_fields, field_labels
from ..models import (
    CITATION_NOTE_MAX_LENGTH,
    CITATION_QUOTE_MAX_LENGTH,
    CONTEXT_LENGTH,
    AnchorStatus,
    Coding,
    ValueCitation,
)
from ..selectors import current_codebook, entry_citations

MAX_CITATIONS = 200


@dataclass(frozen=True)
class CitationData:
    field: str
    evidence: int | None = None
    source: str | None = None  # a hosted source's slug
    version: int | None = None  # its version number; None: the current version
    anchor: str | None = None  # the passage's anchor in that version
    quote: str = ""
    prefix: str = ""
    suffix: str = ""
    start: int | None = None  # TextPosition in the version's text (code points)
    end: int | None = None
    note: str = ""


def _passage(item: CitationData) -> tuple[Document, Passage]:
    document_filter = {"source__slug": item.source, "status": DocumentStatus.READY}
    if item.version is not None:
        document_filter["version"] = item.version
    document = (
        Document.objects.filter(**document_filter)
        .select_related("source")
        .order_by("-version")
        .first()
    )
    if document is None:
        raise ValidationError(
            _("No published version %(version)s of a source “%(source)s”.")
            % {"version": item.version or "", "source": (item.source or "")[:80]}
        )
    passage = Passage.objects.filter(document=document, anchor=item.anchor or "").first()
    if passage is None:
        raise ValidationError(
            _("Version %(version)s of “%(source)s” has no passage “%(anchor)s”.")
            % {
                "version": document.version,
                "source": document.source.slug,
                "anchor": (item.anchor or "")[:40],
            }
        )
    return document, passage


def _locate_quote(item: CitationData, document: Document, passage: Passage):
    """The quote's place in ``document``, inside ``passage``; ValidationError otherwise."""
    if len(item.quote) > CITATION_QUOTE_MAX_LENGTH:
        raise ValidationError(
            _("A quote is at most %(n)d characters.") % {"n": CITATION_QUOTE_MAX_LENGTH}
        )
    if len(item.prefix) > CONTEXT_LENGTH or len(item.suffix) > CONTEXT_LENGTH:
        raise ValidationError(
            _("prefix and suffix are at most %(n)d characters.") % {"n": CONTEXT_LENGTH}
        )
    position = None
    if item.start is not None or item.end is not None:
        if not isinstance(item.start, int) or not isinstance(item.end, int):
            raise ValidationError(_("Give both start and end, as whole numbers."))
        position = TextPositionSelector(item.start, item.end)
    else:
        # Searched in the passage only: a quote cited from this passage need not be
        # unique in the whole text.
        hits = []
        found = passage.text.find(item.quote)
        while found != -1 and len(hits) < 2:
            start = passage.start + found
            end = start + len(item.quote)
            if document.text[:start].endswith(item.prefix) and document.text[end:].startswith(
                item.suffix
            ):
                hits.append(start)
            found = passage.text.find(item.quote, found + 1)
        if not hits:
            raise ValidationError(
                _("The quote “%(quote)s” is not in that passage.") % {"quote": item.quote[:60]}
            )
        if len(hits) > 1:
            raise ValidationError(
                _("The quote occurs more than once in that passage: add a prefix or a position.")
            )
        position = TextPositionSelector(hits[0], hits[0] + len(item.quote))
    try:
        target = resolve_target(
            document=document,
            quote=TextQuoteSelector(item.quote, item.prefix, item.suffix),
            position=position,
        )
    except ValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from exc
    if target.start < passage.start or target.end > passage.end:
        raise ValidationError(_("The quote is not inside the cited passage."))
    return target


def build_citation(item: CitationData, *, example: Example, evidence_by_id: dict) -> ValueCitation:
    """A checked, unsaved citation for ``example``; ValidationError naming the problem."""
    if item.field not in coded_fields():
        raise ValidationError(
            _("“%(field)s” is not a coded field. Choose from: %(choices)s.")
            % {"field": str(item.field)[:40], "choices": ", ".join(coded_fields())}
        )
    if item.evidence is None and not item.source:
        raise ValidationError(_("Cite one of the entry's evidence items, a passage, or both."))
    if len(item.note or "") > CITATION_NOTE_MAX_LENGTH:
        raise ValidationError(
            _("A note is at most %(n)d characters.") % {"n": CITATION_NOTE_MAX_LENGTH}
        )
    citation = ValueCitation(example=example, field=item.field, note=(item.note or "").strip())
    if item.evidence is not None:
        evidence = evidence_by_id.get(item.evidence)
        if evidence is None:
            raise ValidationError(
                _("Evidence %(id)s is not one of this entry's evidence items.")
                % {"id": str(item.evidence)[:24]}
            )
        citation.evidence = evidence
        citation.evidence_title = evidence.title[:500]
    if item.source:
        document, passage = _passage(item)
        citation.document, citation.passage = document, passage
        citation.passage_anchor = passage.anchor
        if item.quote:
            target = _locate_quote(item, document, passage)
            citation.start, citation.end = target.start, target.end
            citation.quote, citation.prefix, citation.suffix = (
                target.exact,
                target.prefix,
                target.suffix,
            )
    elif item.quote:
        raise ValidationError(_("A quote needs the passage it is taken from."))
    return citation


def build_citations(items: Sequence[CitationData], *, example: Example) -> list[ValueCitation]:
    """Every item checked; one ValidationError keyed ``citations`` listing each problem
    with its position in the list, so nothing is stored when one is wrong."""
    if len(items) > MAX_CITATIONS:
        raise ValidationError(
            {"citations": _("At most %(n)d citations an entry.") % {"n": MAX_CITATIONS}}
        )
    evidence_by_id = {evidence.pk: evidence for evidence in example.evidence.all()}
    problems, built = [], []
    for index, item in enumerate(items):
        try:
            built.append(build_citation(item, example=example, evidence_by_id=evidence_by_id))
        except ValidationError as exc:
            problems.extend(f"[{index}] {message}" for message in exc.messages)
    if problems:
        raise ValidationError({"citations": problems})
    return built


def replace_citations(
    *, example: Example, citations: list[ValueCitation], actor, coding: Coding | None = None
) -> list[ValueCitation]:
    """Close the current set (entry's, or the coding's) and store ``citations``."""
    now = timezone.now()
    current = ValueCitation.objects.filter(example=example, coding=coding, replaced_at=None)
    for old in current:
        old.replaced_at = now
        old.save(update_fields=["replaced_at", "modified"])
    for citation in citations:
        citation.coding = coding
        citation.author = actor if getattr(actor, "is_authenticated", False) else None
        citation.since_version = example.version
        citation.full_clean()
        citation.save()
    return citations


@transaction.atomic
def citations_replace(
    *, actor, example: Example, citations: Sequence[CitationData]
) -> list[ValueCitation]:
    """Replace the citations of an entry's coded values with ``citations``.

    Whoever may edit the entry directly may cite (its author while it is theirs to edit,
    moderators of its country); an author whose edits to a published entry go to the
    moderators first gets PermissionDenied (they suggest an edit instead). Every quote is
    checked against its version's text. Raises ValidationError listing each bad item;
    nothing is stored then. The replaced citations stay in the history."""
    example = Example.objects.select_for_update().get(pk=example.pk)
    _check_may_cite(actor, example)
    built = build_citations(list(citations), example=example)
    return replace_citations(example=example, citations=built, actor=actor)


def citations_import(
    *, example: Example, citations: Sequence, evidence: Sequence, links: Sequence
) -> list[ValueCitation]:
    """The atlas's trusted import path (``example_import_published``: starter data,
    operators' imports; no user, so no permission check): ``citations`` are the atlas's
    ValueCitationData, evidence and passage by index into the entry's saved ``evidence``
    and passage ``links``. Checked as ``citations_replace`` checks them (a quote must be
    the passage's words); ValidationError keyed ``citations`` otherwise. Runs inside the
    import's transaction, so a refusal stores nothing."""
    if not citations:
        return []
    items, problems = [], []
    for index, given in enumerate(citations):
        try:
            items.append(_imported_item(given, evidence, links))
        except (IndexError, TypeError):
            problems.append(
                _("[%(index)s] No evidence item or passage link at that position.")
                % {"index": index}
            )
    if problems:
        raise ValidationError({"citations": problems})
    built = build_citations(items, example=example)
    return replace_citations(example=example, citations=built, actor=None)


def _imported_item(given, evidence: Sequence, links: Sequence) -> CitationData:
    item = CitationData(field=given.field, quote=given.quote or "", note=given.note or "")
    if given.evidence is not None:
        item = replace(item, evidence=evidence[given.evidence].pk)
    if given.passage is not None:
        passage = (
            Passage.objects.select_related("document__source")
            .only("anchor", "document__version", "document__source__slug")
            .get(pk=links[given.passage].passage_id)
        )
        item = replace(
            item,
            source=passage.document.source.slug,
            version=passage.document.version,
            anchor=passage.anchor,
        )
    return item


def _check_may_cite(actor, example: Example) -> None:
    if not can_edit(user=actor, example=example) or needs_review(user=actor, example=example):
        raise PermissionDenied(
            moderation_denied_message(
                actor, example, _("You may not change the citations of this entry.")
            )
        )


def may_cite(*, actor, example: Example) -> bool:
    """Whether ``actor`` may change the entry's citations directly (the form's panel)."""
    try:
        _check_may_cite(actor, example)
    except PermissionDenied:
        return False
    return True


def citation_check(*, actor, example: Example, item: CitationData) -> ValueCitation:
    """The citation checked as ``citations_replace`` will check it, unsaved: the entry
    form's side panel asks before it shows the citation as a chip (the form's save
    checks the whole set again). PermissionDenied as for citations_replace;
    ValidationError naming the problem. Writes nothing."""
    _check_may_cite(actor, example)
    evidence_by_id = {evidence.pk: evidence for evidence in example.evidence.all()}
    return build_citation(item, example=example, evidence_by_id=evidence_by_id)


def citations_unchanged(example: Example, items: Sequence[CitationData]) -> bool:
    """Whether ``items`` are the entry's current citations (same field, evidence,
    passage, quote and note, in any order): saving the entry form then replaces
    nothing, so an edit that did not touch the citations leaves their history alone."""

    def key_of_item(item: CitationData) -> tuple:
        return (item.field, item.evidence, item.source or None, item.version if item.source
                else None, item.anchor if item.source else None, item.quote, item.note.strip())  # fmt: skip

    def key_of_citation(citation: ValueCitation) -> tuple:
        document = citation.document
        return (citation.field, citation.evidence_id,
                document.source.slug if document else None,
                document.version if document else None,
                citation.passage_anchor if document else None, citation.quote, citation.note)  # fmt: skip

    current = sorted(map(key_of_citation, entry_citations(example)), key=repr)
    return current == sorted(map(key_of_item, items), key=repr)


def check_required_citations(example: Example) -> None:
    """The atlas's publish check (apps/atlas/extensions.py): every field the current
    codebook requires to be cited has a citation that is still anchored (an unsaved
    ``example`` has none). Raises
    ValidationError keyed by each uncited field."""
    if not getattr(settings, "CODING_ENFORCE_REQUIRED_CITATIONS", True):
        return
    required = current_codebook().required_citations
    if not required:
        return
    # An unsaved entry (an import's preview asking whether its rows may be published)
    # has no citations yet.
    citations = entry_citations(example) if example.pk is not None else []
    cited = {
        citation.field for citation in citations if citation.anchor_status != AnchorStatus.ORPHANED
    }
    labels = field_labels()
    missing = [field for field in required if field not in cited]
    if missing:
        raise ValidationError(
            {
                field: _(
                    "Cite the evidence for “%(label)s” before publishing (the codebook "
                    "requires it)."
                )
                % {"label": labels.get(field, field)}
                for field in missing
            }
        )
