"""Sources with known text, imported through the real services (so on PostgreSQL the
stored vectors are written exactly as in production)."""

from __future__ import annotations

import pytest

from apps.search.services import search_reindex_all
from apps.sources.models import Document, DocumentStatus, Passage, Source
from apps.sources.services import SourceMetadata, document_upload, source_create


@pytest.fixture
def make_source(user, run_on_commit):
    def make(title: str, body: str, *, abstract: str = "", authors=("Ada Lovelace",), year=2020):
        with run_on_commit():
            source = source_create(
                user=user,
                metadata=SourceMetadata(
                    title=title, authors=list(authors), year=year, abstract=abstract
                ),
                data=body.encode(),
                filename="text.md",
            )
        source.refresh_from_db()
        assert source.current_document is not None, "the import should have succeeded"
        return source

    return make


@pytest.fixture
def upload_version(user, run_on_commit):
    def upload(source: Source, body: str) -> Document:
        with run_on_commit():
            document = document_upload(user=user, source=source, data=body.encode())
        document.refresh_from_db()
        source.refresh_from_db()
        return document

    return upload


@pytest.fixture
def unreadable_sources(db):
    """A source whose import failed and one still waiting, each with passages that a
    careless query could find (as if left over from a crashed import)."""
    made = []
    for status, slug in (
        (DocumentStatus.FAILED, "failed-import"),
        (DocumentStatus.PENDING, "pending-import"),
    ):
        source = Source.objects.create(slug=slug, title=f"Zanzibar ledger {slug}", authors=["X"])
        document = Document.objects.create(
            source=source, status=status, import_format="text", text="Zanzibar ledger text"
        )
        Passage.objects.create(
            document=document, order=0, kind="paragraph", text="Zanzibar ledger text",
            start=0, end=20, anchor=f"a{slug[:6]}",
        )  # fmt: skip
        made.append(source)
    # Give them stored vectors too (PostgreSQL), so only visibility rules can hide them.
    search_reindex_all()
    return made


@pytest.fixture
def moderator(db):
    """A global moderator: moderates annotations and the atlas."""
    from tests.moderation.conftest import make_moderator

    return make_moderator()


@pytest.fixture
def annotate(founding_paper, run_on_commit):
    """Factory: annotate the first occurrence of ``quote`` in the founding paper through
    the annotation services, committed as far as its events go (so the stored vector is
    written by their subscriber, as in production)."""
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    document = founding_paper.current_document

    def make(author, body: str, *, quote: str = "social credit system", **kwargs):
        start = document.text.index(quote)
        with run_on_commit():
            return services.annotation_create(
                author=author,
                document=document,
                position=TextPositionSelector(start, start + len(quote)),
                body=body,
                **kwargs,
            )

    return make


@pytest.fixture
def make_entry(moderator, run_on_commit):
    """Factory: an atlas entry through the atlas services, published unless ``status``
    says otherwise ("draft", "submitted"); its events run (the search index)."""
    from apps.atlas.entries import services as entry_services
    from apps.atlas.entries import transitions
    from tests.atlas.conftest import evidence_data, example_data

    def make(author, *, status: str = "published", evidence_title: str = "", **overrides):
        evidence = evidence_data(**({"title": evidence_title} if evidence_title else {}))
        with run_on_commit():
            example = entry_services.example_create(
                author=author, data=example_data(**overrides), evidence=[evidence],
                submit=status != "draft", confirm_distinct=True,
            )  # fmt: skip
            if status == "published":
                example = transitions.example_transition(
                    actor=moderator, example=example, to=status
                )
        return example

    return make


@pytest.fixture
def search_queries():
    """Pinned query count of a search: ``n`` on every database (the planner settings are
    the connection's since session 12, apps/common/planner.py, not a statement of each
    search)."""

    def count(n: int) -> int:
        return n

    return count
