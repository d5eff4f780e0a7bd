"""The reader's passage markup is the same for every viewer: rendered once per version,
language and versions of what it shows, then served from the cache (ADR 0007). Personal
parts (counts, Annotate passage buttons, the viewer's own annotations) are not in it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.common import http_cache

pytestmark = pytest.mark.django_db

READER = "/sources/wong-2021-social-credit/"


@pytest.fixture
def fragment_cache(settings):
    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 60


def _passage_queries(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(READER)
    assert response.status_code == 200
    queries = [q["sql"] for q in captured.captured_queries if '"sources_passage"' in q["sql"]]
    return response.content.decode(), len(queries)


def test_passages_are_read_once_then_served_from_the_cache(
    client, user, other_user, founding_paper, fragment_cache
):
    client.force_login(user)
    first, queried = _passage_queries(client)
    assert queried >= 1
    client.force_login(other_user)
    second, queried_again = _passage_queries(client)
    assert queried_again == 0
    text = first.split('<article class="reader__text"')[1].split("</article>")[0]
    assert text in second  # the same markup for both viewers
    assert "Schufa uses geo-scoring" in text
    assert 'class="passage-count"' not in text and "annotate-passage" not in text


def test_a_committed_public_write_renders_the_passages_afresh(
    client, user, founding_paper, fragment_cache, run_on_commit
):
    from apps.atlas.entries import services as entry_services
    from apps.atlas.entries import transitions
    from apps.atlas.entries.data import PassageLinkData
    from apps.sources.models import Passage
    from tests.atlas.conftest import evidence_data, example_data
    from tests.moderation.conftest import make_moderator

    moderator = make_moderator()

    _passage_queries(client)
    assert _passage_queries(client)[1] == 0
    passage = Passage.objects.get(
        document=founding_paper.current_document, text__contains="Schufa uses geo-scoring"
    )
    with run_on_commit():
        example = entry_services.example_create(
            author=user,
            data=example_data(),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=passage.pk)],
            submit=True,
        )
        if example.status != "published":
            transitions.example_transition(actor=moderator, example=example, to="published")
    html, queried = _passage_queries(client)
    assert queried >= 1
    assert "1 comparative example" in html


def test_annotation_writes_leave_the_passages_cached(
    client, user, founding_paper, fragment_cache, run_on_commit
):
    """No annotation appears in the passage markup: a busy paper keeps its rendered text
    while the annotations (their own version) are refreshed."""
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    _passage_queries(client)
    document = founding_paper.current_document
    start = document.text.index("Schufa uses geo-scoring")
    from apps.annotations.models import Annotation

    before = http_cache.versions([Annotation])
    with run_on_commit():
        services.annotation_create(
            author=user, document=document, body="A public comment",
            position=TextPositionSelector(start, start + 6),
        )  # fmt: skip
    assert http_cache.versions([Annotation]) != before  # pages and the threads JSON: afresh
    assert _passage_queries(client)[1] == 0  # the text: still cached


def test_without_the_cache_every_request_renders(client, founding_paper, settings):
    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 0
    settings.HTTP_CACHE_BODY_SECONDS = 0  # the whole page is cached too (ADR 0007)
    _passage_queries(client)
    assert _passage_queries(client)[1] >= 1


def test_a_cache_outage_still_serves_the_reader(
    client, founding_paper, fragment_cache, monkeypatch
):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "set", broken)
    html, queried = _passage_queries(client)
    assert queried >= 1 and "Schufa uses geo-scoring" in html


def test_the_viewers_own_annotations_come_from_mine_json_and_are_refreshed_on_write(
    client, user, other_user, founding_paper, fragment_cache, run_on_commit
):
    """The personal part of the reader (own private annotations) is not in the page, which
    is shared: it comes from the viewer's mine.json, which another viewer never gets, and
    a committed write shows at once."""
    from apps.annotations import services
    from apps.annotations.services import TextPositionSelector

    document = founding_paper.current_document
    mine_url = f"/reader/{document.pk}/mine.json"

    def own():
        assert "mine only" not in client.get(READER).content.decode()
        return [a["body"] for a in client.get(mine_url).json()["annotations"]]

    start = document.text.index("Schufa uses geo-scoring")
    client.force_login(user)
    assert own() == []
    with run_on_commit():
        services.annotation_create(
            author=user, document=document, visibility="private", body="mine only",
            position=TextPositionSelector(start, start + 6),
        )  # fmt: skip
    assert own() == ["mine only"]
    client.force_login(other_user)
    assert own() == []
