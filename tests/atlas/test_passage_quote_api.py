"""Passage link quotes through the API (issue 19 follow-up): shown as exact/prefix/
suffix/start/end, checked like the form's on the way in (a mismatch is a 400 naming
the link, nothing stored), and kept when an edit leaves the link's quote out."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.atlas.models import Example, PassageLink, QuoteStatus

from .test_api import payload
from .test_passage_quote import WORDS, selection

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def link(passage, **quote):
    item = {"passage": passage.pk, "relation": "comparable", "note": "n"}
    if quote:
        item["quote"] = quote
    return item


def test_the_api_stores_and_shows_the_quote(user_api, schufa_passage):
    start, end = selection(schufa_passage)
    body = payload(passages=[link(schufa_passage, exact=WORDS, start=start, end=end,
                                  prefix="ignored")])  # fmt: skip
    response = user_api.post("/api/examples/", body, format="json")
    assert response.status_code == 201, response.json()
    text = schufa_passage.document.text
    assert response.json()["passages"][0]["quote"] == {
        "exact": WORDS,
        "prefix": text[start - 32 : start],
        "suffix": text[end : end + 32],
        "start": start,
        "end": end,
        "status": "anchored",
    }


@pytest.mark.parametrize(
    "quote",
    [
        {"exact": "Forged words", "start": "{start}", "end": "{end}"},
        {"exact": WORDS, "start": 0, "end": 23},
        {"exact": "x" * 2048, "start": "{start}", "end": "{end}"},
        {"exact": "a\x00b", "start": "{start}", "end": "{end}"},
        {"exact": WORDS, "start": "abc", "end": "{end}"},
        {"exact": WORDS, "start": "{end}", "end": "{start}"},
    ],
    ids=["forged", "other-place", "2kb", "nul", "not-a-number", "reversed"],
)
def test_a_mismatched_quote_is_400_and_nothing_stored(user_api, schufa_passage, quote):
    start, end = selection(schufa_passage)
    quote = {k: v.format(start=start, end=end) if isinstance(v, str) and k != "exact" else v
             for k, v in quote.items()}  # fmt: skip
    if quote["start"] in (str(start), str(end)):
        quote["start"] = int(quote["start"])
    if isinstance(quote["end"], str):
        quote["end"] = int(quote["end"])
    body = payload(passages=[link(schufa_passage, **quote)])
    response = user_api.post("/api/examples/", body, format="json")
    assert response.status_code == 400, response.json()
    assert "passages" in str(response.json()) or "NUL byte" in str(response.json())
    assert Example.objects.count() == PassageLink.objects.count() == 0


def test_the_400_names_the_link(user_api, schufa_passage):
    start, end = selection(schufa_passage)
    body = payload(passages=[link(schufa_passage, exact="Forged", start=start, end=end)])
    detail = user_api.post("/api/examples/", body, format="json").json()["detail"]
    assert detail.startswith(f"passages.1: Passage {schufa_passage.pk}: the selected words")


def test_an_edit_without_the_quote_key_keeps_it_and_null_removes_it(user_api, schufa_passage):
    start, end = selection(schufa_passage)
    body = payload(passages=[link(schufa_passage, exact=WORDS, start=start, end=end)])
    entry = user_api.post("/api/examples/", body, format="json").json()
    url = f"/api/examples/{entry['id']}/"
    # A client that knows nothing of quotes changes the note: the quote stays.
    edited = {"passages": [{"passage": schufa_passage.pk, "note": "changed"}], "version": 1}
    response = user_api.patch(url, edited, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["passages"][0]["note"] == "changed"
    assert response.json()["passages"][0]["quote"]["exact"] == WORDS
    assert PassageLink.objects.get().quote == WORDS
    removed = {"passages": [link(schufa_passage) | {"quote": None}], "version": 2}
    response = user_api.patch(url, removed, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["passages"][0]["quote"] is None
    assert PassageLink.objects.get().quote == ""


def test_an_orphaned_quote_is_shown_to_its_editors_only(user_api, schufa_passage, moderator):
    start, end = selection(schufa_passage)
    body = payload(passages=[link(schufa_passage, exact=WORDS, start=start, end=end)])
    entry = user_api.post("/api/examples/", body, format="json").json()
    PassageLink.objects.update(quote_status=QuoteStatus.ORPHANED)
    url = f"/api/examples/{entry['id']}/"
    assert user_api.get(url).json()["passages"][0]["quote"]["status"] == "orphaned"
    # An edit that keeps the link keeps the status.
    response = user_api.patch(url, {"passages": [{"passage": schufa_passage.pk}]}, format="json")
    assert response.status_code == 200, response.json()
    assert PassageLink.objects.get().quote_status == QuoteStatus.ORPHANED
    Example.objects.filter(pk=entry["id"]).update(status="published")
    reader = APIClient()
    assert reader.get(url).json()["passages"][0]["quote"] is None


def test_the_exports_carry_the_quote_but_not_an_orphaned_one(user, schufa_passage):
    from apps.atlas.entries.data import PassageLinkData
    from apps.atlas.entries.selectors import example_export_list
    from apps.atlas.entries.services import example_create
    from apps.atlas.exports import formats

    from .conftest import evidence_data, example_data

    start, end = selection(schufa_passage)
    example = example_create(
        author=user, data=example_data(), evidence=[evidence_data()],
        passages=[PassageLinkData(passage_id=schufa_passage.pk, quote=WORDS,
                                  quote_start=start, quote_end=end)],
        confirm_distinct=True,
    )  # fmt: skip
    Example.objects.filter(pk=example.pk).update(status="published")

    def exported():
        examples = list(example_export_list())
        absolute = lambda path: f"https://site.example{path}"  # noqa: E731
        jsonld = formats.to_jsonld(examples, absolute, "https://site.example/d")
        geojson = formats.to_geojson(examples, absolute, "https://site.example/d")
        return (
            formats.to_csv(examples, absolute),
            jsonld["hasPart"][0]["isBasedOn"][0],
            geojson["features"][0]["properties"]["passages"],
        )

    csv_text, based_on, passages = exported()
    assert '"status": "anchored"' in csv_text.replace('""', '"')
    assert based_on["@type"] == "Quotation" and based_on["text"] == WORDS
    assert based_on["isBasedOn"].startswith("https://site.example/sources/")
    assert passages.endswith(f"“{WORDS}”")
    PassageLink.objects.update(quote_status=QuoteStatus.ORPHANED)
    csv_text, based_on, passages = exported()
    assert WORDS not in passages and isinstance(based_on, str)
    assert '"quote": null' in csv_text.replace('""', '"')
