"""Every cached public payload, in one table, and a scene that makes each of them show
something of everything it can show (an annotation with a reply, an entry with evidence, a
passage link and a comment, a named author). Used by the declared-dependency test and the
staleness test (apps/common/http_cache.py, ADR 0007). A new public page or JSON endpoint
gets a row here."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, reverse

READER = "/sources/wong-2021-social-credit/"


@dataclass
class Scene:
    author: object
    document: object
    annotation: object
    reply: object
    example: object
    comment: object
    solo: object
    moderator: object
    # A second published entry (another country), for comparing systems.
    other_example: object = None


# name -> URL (built from the scene). Everything an anonymous visitor may fetch that is
# served through http_cache.public_page / public_api / public_response.
PAYLOADS = {
    "home": lambda s: "/",
    "source list": lambda s: "/sources/",
    "reader": lambda s: READER,
    "reader threads JSON": lambda s: f"/reader/{s.document.pk}/threads.json",
    "side-by-side reader": lambda s: READER + "?translation=de",
    "side-by-side reader, German side first": lambda s: READER + "?translation=de&side=translation",
    "atlas map": lambda s: "/atlas/",
    "embeddable map": lambda s: "/atlas/embed/",
    "country page": lambda s: "/atlas/countries/DE/",
    "compare": lambda s: "/atlas/compare/?countries=DE,CN",
    "compare CSV": lambda s: "/atlas/compare.csv?countries=DE,CN",
    "compare systems": lambda s: f"/atlas/compare/?entries={s.example.pk},{s.other_example.pk}",
    "compare systems CSV": lambda s: (
        f"/atlas/compare.csv?entries={s.example.pk},{s.other_example.pk}"
    ),
    "compare systems JSON": lambda s: (
        f"/atlas/compare.json?entries={s.example.pk},{s.other_example.pk}"
    ),
    "codebook": lambda s: "/atlas/codebook/",
    "entry page": lambda s: s.example.get_absolute_url(),
    "search": lambda s: "/search/?q=schufa",
    "activity": lambda s: "/activity/",
    "activity feed": lambda s: "/activity/feed/",
    "user page": lambda s: f"/users/{s.author.username}/",
    "API countries": lambda s: "/api/atlas/countries/",
    "API country": lambda s: "/api/atlas/countries/DE/",
    "API entries": lambda s: "/api/examples/",
    "export CSV": lambda s: "/api/examples/export.csv",
    "export GeoJSON": lambda s: "/api/examples/export.geojson",
    "export JSON-LD": lambda s: "/api/examples/export.jsonld",
    "API search": lambda s: "/api/search/?q=schufa",
    "API search suggestions": lambda s: "/api/search/suggest/?q=schuf",
    "API tag suggestions": lambda s: "/api/annotations/tags/?q=schuf",
    "API annotations": lambda s: f"/api/annotations/?source={s.document.source.slug}",
    "API sources": lambda s: "/api/sources/",
    "API translation": lambda s: "/api/sources/wong-2021-social-credit/translations/de/",
    "release list": lambda s: "/atlas/releases/",
    "release page": lambda s: "/atlas/releases/1.0.0/",
    "API releases": lambda s: "/api/releases/",
    "API release": lambda s: "/api/releases/1.0.0/",
    "coding codebook": lambda s: "/coding/codebook/",
    "coding history": lambda s: f"/coding/examples/{s.example.pk}/history/",
    "API agreement": lambda s: "/api/atlas/agreement/",
    "API codebook versions": lambda s: "/api/codebook/versions/",
    "JavaScript catalogue": lambda s: "/jsi18n/",
}


def api_me_url() -> str | None:
    """Lane A's ``GET /api/me/`` (private, per viewer), once it exists."""
    try:
        return reverse("api-me")
    except NoReverseMatch:
        return None


@pytest.fixture
def scene(founding_paper, db) -> Scene:
    from apps.annotations.services import (
        TextPositionSelector,
        annotation_create,
        annotation_reply,
    )
    from apps.atlas.discussion.services import comment_create
    from apps.atlas.entries import services as entry_services
    from apps.atlas.entries import transitions
    from apps.atlas.entries.data import PassageLinkData
    from apps.search.services import search_reindex_all
    from apps.sources.models import Passage
    from apps.sources.starter import load_founding_paper_translation
    from tests.atlas.conftest import evidence_data, example_data
    from tests.factories import UserFactory
    from tests.moderation.conftest import make_moderator

    load_founding_paper_translation()  # the side-by-side reader and the translation API
    moderator = make_moderator()
    author = UserFactory(display_name="Ada Original")
    replier = UserFactory(display_name="Rita Replier")
    document = founding_paper.current_document
    quote = "Schufa uses geo-scoring"
    start = document.text.index(quote)
    annotation = annotation_create(
        author=author,
        document=document,
        body="Schufa note original",
        tags=["schufa"],
        position=TextPositionSelector(start, start + len(quote)),
    )
    reply = annotation_reply(author=replier, parent=annotation, body="Reply original")
    solo_quote = "social credit system"
    solo_start = document.text.index(solo_quote)
    solo = annotation_create(
        author=author,
        document=document,
        body="Solo note original",
        position=TextPositionSelector(solo_start, solo_start + len(solo_quote)),
    )
    passage = Passage.objects.get(document=document, text__contains=quote)
    example = entry_services.example_create(
        author=author,
        data=example_data(title="Schufa entry original"),
        evidence=[evidence_data()],
        passages=[PassageLinkData(passage_id=passage.pk)],
        submit=True,
        confirm_distinct=True,
    )
    if example.status != "published":
        example = transitions.example_transition(actor=moderator, example=example, to="published")
    comment = comment_create(author=replier, example=example, body="Comment original")
    other_example = entry_services.example_create(
        author=replier,
        data=example_data(title="Tenant scoring other", country="FR", start_year=None),
        evidence=[evidence_data(title="Other evidence", url="https://example.org/other")],
        passages=[],
        submit=True,
        confirm_distinct=True,
    )
    if other_example.status != "published":
        other_example = transitions.example_transition(
            actor=moderator, example=other_example, to="published"
        )
    _code_twice(example, moderator=moderator, passage=passage)
    search_reindex_all()
    # The scene's writes never commit (no events): count its tags as the nightly job would.
    from apps.annotations.services import tag_usage_rebuild

    tag_usage_rebuild()
    from apps.releases import services as release_services

    release = release_services.release_create(actor=moderator, version="1.0.0", title="Scene")
    release_services.release_build(release_id=release.pk)  # in the test's transaction: now
    return Scene(
        author, document, annotation, reply, example, comment, solo, moderator, other_example
    )


def _code_twice(example, *, moderator, passage) -> None:
    """A value citation on the entry and a reconciled double coding of it (apps/coding)."""
    from apps.coding import services as coding_services
    from tests.coding.conftest import make_coder, passage_citation

    coding_services.citations_replace(
        actor=moderator,
        example=example,
        citations=[passage_citation(passage, note="Cited original")],
    )
    coders = [make_coder(display_name="Cody Original"), make_coder(display_name="Coral Coder")]
    coding_services.coding_request_create(actor=moderator, example=example, coders=coders)
    for coder, operator in zip(coders, ("private", "state"), strict=True):
        coding_services.coding_save_mine(
            actor=coder, example=example, values={"operator": operator}, submit=True
        )
    coding_services.reconcile(
        actor=moderator, example=example,
        choices={"operator": {"value": "private", "reason": "Reconciled original"}},
    )  # fmt: skip
