"""Search across languages (issue 17): Chinese text through CJK bigrams, German with the
``german`` configuration, each source's passages in its own language, a language facet.
Runs on SQLite (substring fallback) and on PostgreSQL (stored vectors)."""

from __future__ import annotations

import pytest

from apps.search import languages
from apps.search.models import PassageSearchIndex
from apps.search.providers import is_postgres
from apps.search.services import search_index_source
from apps.sources.services import SourceMetadata, source_create
from tests.conftest import require

pytestmark = pytest.mark.django_db

CHINESE = (
    "# 规划纲要\n\n"
    "社会信用体系建设规划纲要提出了守信激励和失信惩戒的机制。\n\n"
    "社会各界关注地方政府的信用评分试点。\n\n"
    "企业社会信用代码。"
)
GERMAN = (
    "# Auskunfteien\n\n"
    "Die Schufa führt jedes Jahr Millionen Bonitätsprüfungen durch.\n\n"
    "Die Bonitätsprüfung bewertet Verbraucher nach ihrem Zahlungsverhalten."
)
ENGLISH = "# Credit reporting\n\nCredit scores decide who can rent a flat.\n\nNothing else here."


@pytest.fixture
def make_source_in(user, run_on_commit):
    def make(title: str, body: str, language: str):
        with run_on_commit():
            source = source_create(
                user=user,
                metadata=SourceMetadata(
                    title=title, authors=["Li Wei"], year=2021, language=language
                ),
                data=body.encode(),
                filename="text.md",
            )
        source.refresh_from_db()
        assert source.current_document is not None
        return source

    return make


@pytest.fixture
def three_languages(make_source_in):
    return (
        make_source_in("规划纲要", CHINESE, "zh-hans"),
        make_source_in("Auskunfteien", GERMAN, "de"),
        make_source_in("Tenant screening", ENGLISH, "en"),
    )


def _search(client, **params):
    response = client.get("/api/search/", params)
    assert response.status_code == 200, response.content
    return response.json()


def _passage_texts(payload) -> list[str]:
    return [hit["snippet"] for hit in payload["results"] if hit["kind"] == "passage"]


def test_chinese_query_finds_the_passages_that_contain_it(client, three_languages):
    found = _search(client, q="社会信用", kind="passage")

    snippets = _passage_texts(found)
    # The two paragraphs with 社会信用; not the one with 社会 and 信用 apart.
    assert len(snippets) == 2, snippets
    assert all("<mark>社会信用</mark>" in snippet for snippet in snippets)


def test_chinese_characters_must_stand_together(client, three_languages):
    assert _search(client, q="会信用评", kind="passage")["count"] == 0
    assert _search(client, q="信用评分", kind="passage")["count"] == 1


def test_german_query_finds_german_passages(client, three_languages):
    found = _search(client, q="Bonitätsprüfung", kind="passage")

    assert found["count"] == 2  # "Bonitätsprüfung" and "Bonitätsprüfungen"
    assert any("Bonitätsprüfungen" in snippet for snippet in _passage_texts(found))


def test_german_stemming_variants(client, three_languages):
    require(is_postgres(), "stemming is PostgreSQL's; the fallback matches longer forms only")
    # The plural finds the singular too, through the german stemmer.
    assert _search(client, q="Bonitätsprüfungen", kind="passage")["count"] == 2
    assert _search(client, q="Verbrauchern", kind="passage")["count"] == 1


def test_english_queries_are_unchanged(client, three_languages):
    found = _search(client, q="credit scores", kind="passage")

    assert found["count"] == 1
    assert "Credit" in _passage_texts(found)[0]


def test_language_facet_and_filter(client, three_languages):
    page = client.get("/search/", {"q": "Schufa OR 社会信用 OR credit"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Language" in body and "German" in body

    only_german = _search(client, q="Schufa OR 社会信用 OR credit", language="de")
    assert {hit["kind"] for hit in only_german["results"]} <= {"source", "passage"}
    assert only_german["count"] == 1

    for hostile in ("xx", "y" * 2000, "de' OR 1=1 --"):
        bad = client.get("/api/search/", {"q": "x", "language": hostile})
        assert bad.status_code == 400
        assert "language" in bad.json()["errors"]
    assert client.get("/api/search/", {"q": "x", "language": "de\x00"}).status_code == 400


def test_index_keeps_each_passages_language(three_languages):
    require(is_postgres(), "stored vectors are PostgreSQL only")
    chinese, german, english = three_languages
    languages_by_source = {
        source.pk: set(
            PassageSearchIndex.objects.filter(passage__document__source=source).values_list(
                "language", flat=True
            )
        )
        for source in three_languages
    }
    assert languages_by_source == {chinese.pk: {"zh"}, german.pk: {"de"}, english.pk: {"en"}}


def test_changing_a_sources_language_reindexes_its_passages(client, make_source_in):
    require(is_postgres(), "stored vectors are PostgreSQL only")
    source = make_source_in("Falsch", GERMAN, "en")
    assert _search(client, q="Bonitätsprüfungen", kind="passage")["count"] == 1

    source.language = "de"
    source.save()
    search_index_source(source_id=source.pk)

    assert _search(client, q="Bonitätsprüfungen", kind="passage")["count"] == 2


def test_cjk_helpers():
    assert languages.cjk_bigrams("社会信用") == ["社会", "会信", "信用"]
    assert languages.split_cjk("AI 社会信用 x").split() == ["AI", "社会", "会信", "信用", "x"]
    assert languages.term_for_websearch("信", phrase=False) == '"信"'
    assert languages.primary_language("zh-Hans") == "zh"
    assert languages.config_for("de-AT") == "german"
    assert languages.config_for("zh") == "english"


@pytest.fixture
def paper_and_german(run_on_commit):
    from apps.sources.starter import load_founding_paper, load_founding_paper_translation

    with run_on_commit():
        paper, _ = load_founding_paper()
        translation, _ = load_founding_paper_translation()
    return paper, translation


def test_a_translated_passage_shows_the_aligned_original_beside_it(client, paper_and_german):
    paper, translation = paper_and_german
    found = _search(client, q="Bonitätsprüfung", kind="passage")
    german = [hit for hit in found["results"] if hit["language"] == "de"]
    assert german, found
    aligned = german[0]["aligned"]
    assert aligned["language"] == "en"
    assert "Schufa" in aligned["text"] and "credit" in aligned["text"]
    assert aligned["url"].startswith(f"{paper.get_absolute_url()}?translation=de#p-")

    page = client.get("/search/", {"q": "Bonitätsprüfung", "kind": "passage"}).text
    assert 'class="hit__aligned"' in page
    assert '<blockquote lang="en">' in page
    assert 'class="hit__snippet" lang="de"' in page


def test_an_original_passage_has_nothing_aligned(client, paper_and_german):
    found = _search(client, q="Schufa", kind="passage", language="en")
    english = [hit for hit in found["results"] if hit["language"] == "en"]
    assert english and all(hit["aligned"] is None for hit in english)
