"""The side-by-side reader (``?translation=de``), the translation API, the steward's
upload and alignment pages (ADR 0019), through HTTP with the caches on."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from apps.annotations.models import Annotation
from apps.moderation.models import AuditAction, AuditLogEntry
from apps.sources.models import AlignedPair, Source, Translation
from apps.sources.starter import load_founding_paper, load_founding_paper_translation
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

READER = "/sources/wong-2021-social-credit/"
SIDE_BY_SIDE = READER + "?translation=de"
API = "/api/sources/wong-2021-social-credit/translations/de/"
ALIGNMENT = "/sources/wong-2021-social-credit/translations/de/alignment/"
# Source, translations, versions, maintainers, the aligned rows (2 passage lists and the
# pairs), the reader extensions' fixed reads: the same for 10 rows or 1,000.
SIDE_BY_SIDE_QUERIES = 26


@pytest.fixture
def german(db):
    load_founding_paper()
    translation, _ = load_founding_paper_translation()
    return translation


def rows_of(html: str) -> list[str]:
    return re.findall(r'<div class="aligned-row" id="row-\d+">.*?<button', html, re.S)


def test_side_by_side_shows_ten_aligned_rows_with_permalinks_on_both_sides(
    client, german, django_assert_max_num_queries
):
    with django_assert_max_num_queries(SIDE_BY_SIDE_QUERIES):
        response = client.get(SIDE_BY_SIDE)
    assert response.status_code == 200
    html = response.text
    rows = rows_of(html)
    assert len(rows) == 10
    assert "Description" in rows[0] and "Beschreibung" in rows[0]
    assert "In Germany, Schufa uses geo-scoring" in rows[7]
    assert "In Deutschland nutzt die Schufa Geo-Scoring" in rows[7]
    for passage in german.original.passages.all():
        assert f'id="p-{passage.anchor}"' in html and f'href="#p-{passage.anchor}"' in html
    for passage in german.document.passages.all():
        assert f'id="p-{passage.anchor}"' in html and f'href="#p-{passage.anchor}"' in html
    assert 'lang="de"' in html and "nicht vom Autor geprüft" in html
    assert "CC BY 4.0" in html
    # Both sides are annotated on the page: all 20 passages are the reader's passages,
    # each in its side's column, with offsets into its own version's text.
    assert html.count('class="passage passage--') == 20
    assert html.count('data-side="original"') == 10
    assert html.count('data-side="translation"') == 10
    assert f'data-document="{german.original_id}"' in html
    assert response.headers["ETag"]


def test_both_sides_passages_are_annotatable_with_their_own_versions_offsets(client, german):
    html = client.get(SIDE_BY_SIDE).text
    passages = {
        int(pk): (int(start), int(end))
        for pk, start, end in re.findall(
            r'data-passage="(\d+)" data-start="(\d+)" data-end="(\d+)"', html
        )
    }
    for document in (german.original, german.document):
        for passage in document.passages.all():
            assert passages[passage.pk] == (passage.start, passage.end)
    # What the annotation script needs of each side (static/js/annotations/store.js).
    text = re.search(r'<div class="reader__text reader__text--parallel"[^>]*>', html).group(0)
    assert 'data-active-side="original"' in text
    assert 'data-original-source="wong-2021-social-credit"' in text
    assert f'data-original-document="{german.original_id}"' in text
    assert 'data-original-lang="en"' in text and 'data-original-current="true"' in text
    assert 'data-translation-source="wong-2021-social-credit-de"' in text
    assert f'data-translation-document="{german.document_id}"' in text
    assert f'data-translation-version="{german.document.version}"' in text
    assert 'data-translation-lang="de"' in text and 'data-translation-name="Deutsch"' in text
    # The payload's threads and mine URLs for any version (0 replaced by its id).
    assert '"readerThreads":"/reader/0/threads.json"' in html
    assert '"readerMine":"/reader/0/mine.json"' in html
    # No switch reloading the page to annotate the other side.
    assert "&amp;side=translation" not in html.split('class="reader__text')[0]


def test_side_translation_shows_the_german_side_first_on_a_phone(client, german):
    html = client.get(SIDE_BY_SIDE + "&side=translation").text
    assert f'data-document="{german.document_id}"' in html
    assert 'data-source="wong-2021-social-credit-de"' in html
    assert 'data-active-side="translation"' in html
    assert html.count("aligned-row__side--translation is-active") == 10
    assert "aligned-row__side--original is-active" not in html


def test_the_translations_own_page_says_what_it_translates(client, german):
    html = client.get("/sources/wong-2021-social-credit-de/").text
    assert "Human translation of" in html
    assert 'href="/sources/wong-2021-social-credit/?translation=de&amp;side=translation"' in html


def test_the_reader_offers_its_translations(client, german):
    html = client.get(READER).text
    assert 'href="/sources/wong-2021-social-credit/?translation=de"' in html
    assert "aligned-row" not in html


@pytest.mark.parametrize(
    "query", ["?translation=fr", "?translation=" + "x" * 2048, "?translation=de%00"]
)
def test_an_unknown_translation_is_a_clear_4xx(client, german, query):
    assert client.get(READER + query).status_code in (400, 404)


def test_a_translation_of_another_version_is_404(client, german):
    assert client.get(READER + "versions/2/?translation=de").status_code == 404
    assert client.get(READER + "versions/1/?translation=de").status_code == 200


def test_an_alignment_correction_shows_on_the_cached_page(client, german, settings):
    from django.test import Client

    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 60
    steward = make_moderator()  # before the first read: a new account is a change it shows
    before = client.get(SIDE_BY_SIDE)
    assert len(rows_of(before.text)) == 10
    assert client.get(SIDE_BY_SIDE).headers["ETag"] == before.headers["ETag"]
    steward_client = Client()
    steward_client.force_login(steward)
    response = steward_client.post(ALIGNMENT, {"operation": "merge", "order": "0"})
    assert response.status_code == 302 and response.url.endswith("#row-1")
    after = client.get(SIDE_BY_SIDE, HTTP_IF_NONE_MATCH=before.headers["ETag"])
    assert after.status_code == 200
    assert len(rows_of(after.text)) == 9


def test_api_lists_translations_and_answers_aligned_pairs(client, german):
    detail = client.get("/api/sources/wong-2021-social-credit/").json()
    (listed,) = detail["translations"]
    assert {k: listed[k] for k in ("language", "kind", "version", "translator", "licence")} == {
        "language": "de",
        "kind": "human",
        "version": 1,
        "translator": "Creditscape-Mitwirkende",
        "licence": "CC BY 4.0",
    }
    assert listed["reader_url"].endswith(SIDE_BY_SIDE)
    assert detail["translations"][0]["url"].endswith(API)
    body = client.get(API).json()
    assert body["kind"] == "human" and body["original_version"] == 1
    assert len(body["pairs"]) == 10
    first = body["pairs"][0]
    assert first["original"]["text"] == "Description"
    assert first["translation"]["text"] == "Beschreibung"
    anchor = german.document.passages.get(order=0).anchor
    assert first["translation"]["anchor"] == anchor
    assert client.get(API.replace("/de/", "/fr/")).status_code == 404


def test_api_shows_a_merged_row_as_one_pair(client, german):
    from apps.sources import services

    services.alignment_edit(actor=make_moderator(), translation=german, operation="merge", order=1)
    pair = client.get(API).json()["pairs"][1]
    assert len(pair["original"]["anchors"]) == 2
    assert "\n\n" in pair["translation"]["text"]


def test_api_query_count(client, german, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(API).status_code == 200


# --- The steward's pages ---------------------------------------------------------------------

GERMAN_FILE = "Bewertung\n\nEin Absatz über Bonität und Schufa, auf Deutsch.\n".encode()


def upload(client, **overrides):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "language": "fr",
        "kind": "machine",
        "translator": "DeepL",
        "licence": "CC BY 4.0",
        "file": SimpleUploadedFile("fr.txt", "Titre\n\nUn paragraphe en français.\n".encode()),
        **overrides,
    }
    return client.post(reverse("sources:translation_add", args=["wong-2021-social-credit"]), data)


def counts():
    return (
        Source.objects.count(),
        Translation.objects.count(),
        AlignedPair.objects.count(),
        AuditLogEntry.objects.count(),
    )


def test_strangers_and_country_moderators_get_403_and_nothing_is_stored(client, german):
    before = counts()
    for user in (UserFactory(), make_moderator(countries=["DE"])):
        client.force_login(user)
        assert (
            client.get(
                reverse("sources:translation_add", args=[german.original_source.slug])
            ).status_code
            == 403
        )
        assert upload(client).status_code == 403
        assert client.get(ALIGNMENT).status_code == 403
        assert client.post(ALIGNMENT, {"operation": "merge", "order": "0"}).status_code == 403
    assert counts() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, german):
    response = upload(client)
    assert response.status_code == 302 and "login" in response.url
    assert client.get(ALIGNMENT).status_code == 302


def test_a_steward_uploads_a_translation(client, german, run_on_commit):
    client.force_login(make_moderator())
    with run_on_commit():
        response = upload(client)
    assert response.status_code == 302
    translation = Translation.objects.get(language="fr")
    assert translation.kind == "machine" and translation.document is not None
    assert client.get(READER + "?translation=fr").status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {"language": "en"},
        {"language": "d\x00e"},
        {"language": "x" * 2000},
        {"translator": ""},
        {"kind": "guess"},
    ],
)
def test_bad_uploads_are_form_errors_and_nothing_is_stored(client, german, overrides):
    client.force_login(make_moderator())
    before = counts()
    response = upload(client, **overrides)
    assert response.status_code == 400
    # A NUL byte is refused before the view (apps/common/middleware.py).
    assert 'class="error"' in response.text or "\x00" in "".join(overrides.values())
    assert counts() == before


def test_the_alignment_page_lists_rows_and_logs_each_correction(client, german):
    steward = make_moderator()
    client.force_login(steward)
    page = client.get(ALIGNMENT)
    assert page.status_code == 200
    assert page.text.count('<tr id="row-') == 10
    response = client.post(
        ALIGNMENT, {"operation": "move", "order": "1", "side_direction": "translation:earlier"}
    )
    assert response.status_code == 302
    assert AlignedPair.objects.filter(translation=german).count() == 10
    entry = AuditLogEntry.objects.get(action=AuditAction.ALIGNMENT_CHANGE)
    assert entry.actor == steward


@pytest.mark.parametrize(
    "data",
    [
        {"operation": "merge", "order": "9"},
        {"operation": "merge", "order": "-1"},
        {"operation": "split", "order": "0", "original_at": "1", "translated_at": "1"},
        {"operation": "move", "order": "0", "side_direction": "left:up"},
        {"operation": "merge\x00", "order": "0"},
        {"operation": "merge", "order": "9" * 2000},
    ],
)
def test_impossible_corrections_answer_400_and_change_nothing(client, german, data):
    client.force_login(make_moderator())
    before = (
        counts(),
        list(AlignedPair.objects.values_list("original_anchors", "translated_anchors")),
    )
    response = client.post(ALIGNMENT, data)
    assert response.status_code == 400
    after = (
        counts(),
        list(AlignedPair.objects.values_list("original_anchors", "translated_anchors")),
    )
    assert after == before


# --- Annotating either side -------------------------------------------------------------------


def test_an_annotation_on_the_german_side_anchors_to_the_german_version(client, german, user):
    client.force_login(user)
    passage = german.document.passages.get(order=7)
    start = passage.start + passage.text.index("Geo-Scoring")
    response = client.post(
        "/api/annotations/",
        json.dumps(
            {
                "source": german.source.slug,
                "target": {
                    "selector": [
                        {"type": "TextPositionSelector", "start": start, "end": start + 11}
                    ]
                },
                "body": "Im Deutschen ein Anglizismus.",
                "visibility": "public",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    annotation = Annotation.objects.get(pk=response.json()["id"])
    assert annotation.document_id == german.document_id
    assert response.json()["target"]["selector"][0]["exact"] == "Geo-Scoring"


def test_stewards_find_the_translation_tools_in_their_part_of_the_reader(client, german):
    personal = reverse("sources:reader_personal", args=["wong-2021-social-credit", 1])
    client.force_login(UserFactory())
    assert "translations/new/" not in client.get(personal).text
    client.force_login(make_moderator())
    html = client.get(personal).text
    assert 'href="/sources/wong-2021-social-credit/translations/new/"' in html
    assert 'href="/sources/wong-2021-social-credit/translations/de/alignment/"' in html


def test_the_alignment_page_query_count(client, german, django_assert_max_num_queries):
    client.force_login(make_moderator())
    # Session and user, moderator roles, the source, the translation, two passage lists
    # and the pairs: the same for 10 rows or 1,000.
    with django_assert_max_num_queries(14):
        assert client.get(ALIGNMENT).status_code == 200
