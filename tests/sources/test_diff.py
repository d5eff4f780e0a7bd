"""The version diff (apps/sources/diff.py) and its JSON at /api/sources/<slug>/diff/."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sources.diff import diff_passages, word_ops
from apps.sources.importers.base import Block
from apps.sources.importers.pipeline import layout
from tests.factories import UserFactory

from .conftest import passages_text

DIFF_API_QUERIES = 8  # source + maintainer check, two versions, passages (+ session, user, roles)


def passages(*texts: str) -> list[dict]:
    """Passages as the importer makes them (real anchors)."""
    _text, specs = layout([Block(kind="paragraph", text=t) for t in texts])
    return [{"anchor": p.anchor, "order": p.order, "kind": p.kind, "text": p.text} for p in specs]


def test_word_ops_are_word_level():
    assert word_ops("The cat sat on the mat.", "The dog sat on a mat!") == [
        ("equal", "The "),
        ("delete", "cat"),
        ("insert", "dog"),
        ("equal", " sat on "),
        ("delete", "the"),
        ("insert", "a"),
        ("equal", " mat"),
        ("delete", "."),
        ("insert", "!"),
    ]


def test_added_removed_changed_and_moved_passages():
    old = passages(
        "Scores sort people into groups.",
        "Lenders use the scores to set prices for loans and mortgages.",
        "A paragraph that will disappear from the new version entirely.",
        "The conclusion comes last in the old text.",
    )
    new = passages(
        "The conclusion comes last in the old text.",
        "Scores sort people into groups.",
        "Lenders use the scores to set higher prices for loans and mortgages.",
        "A brand new paragraph about landlords.",
    )
    diff = diff_passages(old, new)
    assert diff.counts == {
        "unchanged": 1,
        "changed": 1,
        "added": 1,
        "removed": 1,
        "moved": 1,
        "words_inserted": 1 + 6,
        "words_deleted": 10,
    }
    statuses = [
        (e.status, e.old and e.old["order"], e.new and e.new["order"]) for e in diff.entries
    ]
    assert statuses == [
        ("moved", 3, 0),
        ("unchanged", 0, 1),
        ("changed", 1, 2),
        ("removed", 2, None),
        ("added", None, 3),
    ]
    changed = diff.entries[2]
    assert ("insert", "higher ") in changed.ops
    assert not diff.identical


def test_identical_versions():
    old = passages("One.", "Two.")
    diff = diff_passages(old, passages("One.", "Two."))
    assert diff.identical and diff.counts["unchanged"] == 2
    assert all(not e.ops for e in diff.entries)


def test_dissimilar_passages_are_added_and_removed_not_changed():
    diff = diff_passages(passages("Completely unrelated words here."), passages("Xylophone zebra."))
    assert [e.status for e in diff.entries] == ["removed", "added"]


def test_large_versions_stay_fast():
    import time

    old = passages(*[f"Paragraph {i} about scores and ranks number {i}." for i in range(600)])
    new = passages(*[f"Paragraph {i} about scores and grades number {i}." for i in range(600)])
    started = time.perf_counter()
    diff = diff_passages(old, new)
    assert diff.counts["changed"] == 600
    assert time.perf_counter() - started < 10


words = st.lists(
    st.sampled_from(["scores", "rank", "people", "credit", "the", "a", "."]), max_size=12
)
paragraph = words.map(lambda w: " ".join(w).strip() or "x")


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=6), st.lists(paragraph, min_size=1, max_size=6))
def test_every_passage_appears_once_and_ops_rebuild_both_texts(old_texts, new_texts):
    old, new = passages(*old_texts), passages(*new_texts)
    diff = diff_passages(old, new)
    assert sorted(e.new["order"] for e in diff.entries if e.new) == [p["order"] for p in new]
    assert sorted(e.old["order"] for e in diff.entries if e.old) == [p["order"] for p in old]
    for entry in diff.entries:
        if not entry.changed:
            continue
        before = "".join(t for op, t in entry.ops if op != "insert")
        after = "".join(t for op, t in entry.ops if op != "delete")
        if entry.old:
            assert before == old[entry.old["order"]]["text"]
        if entry.new:
            assert after == new[entry.new["order"]]["text"]


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def versions(make_source, upload_version, user):
    source = make_source(passages_text(3), by=user)
    upload_version(
        source, passages_text(3).replace(b"number 1 says", b"number 1 now says"), by=user
    )
    return source


@pytest.mark.django_db
def test_diff_api(client, versions):
    response = client.get(f"/api/sources/{versions.slug}/diff/?from=1&to=2")
    assert response.status_code == 200
    data = response.json()
    assert data["source"] == versions.slug
    assert data["from"]["version"] == 1 and data["to"]["version"] == 2
    assert data["to"]["url"] == f"http://testserver/sources/{versions.slug}/versions/2/"
    assert data["counts"]["changed"] == 1 and data["counts"]["words_inserted"] == 1
    changed = [p for p in data["passages"] if p["status"] == "changed"]
    assert len(changed) == 1
    assert ["insert", "now "] in changed[0]["ops"]
    assert set(changed[0]["from"]) == {"anchor", "order", "kind"}
    # "to" defaults to the current version, "from" to the one before it.
    assert client.get(f"/api/sources/{versions.slug}/diff/").json()["counts"] == data["counts"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "detail"),
    [
        ("?from=x&to=2", 400, "from: “from” must be a version number such as 1 (got “x”)."),
        ("?from=1&to=-3", 400, "to: “to” must be a version number such as 1 (got “-3”)."),
        ("?from=1&to=9", 404, "Version 9 does not exist."),
        ("?from=7&to=2", 404, "Version 7 does not exist."),
    ],
)
def test_diff_api_errors(client, versions, query, status, detail):
    response = client.get(f"/api/sources/{versions.slug}/diff/{query}")
    assert response.status_code == status
    assert response.json()["detail"] == detail


@pytest.mark.django_db
def test_diff_api_hides_proposals_from_others(client, versions, upload_version):
    proposer = UserFactory()
    upload_version(versions, passages_text(5), by=proposer)
    url = f"/api/sources/{versions.slug}/diff/?from=2&to=3"
    assert client.get(url).status_code == 404
    client.force_login(proposer)
    assert client.get(url).json()["to"]["status"] == "proposed"


@pytest.mark.django_db
def test_diff_api_query_count(
    client, make_source, upload_version, user, django_assert_max_num_queries
):
    for n in (3, 150):
        source = make_source(passages_text(n), by=user)
        upload_version(source, passages_text(n, prefix="Section"), by=user)
        with django_assert_max_num_queries(DIFF_API_QUERIES):
            assert client.get(f"/api/sources/{source.slug}/diff/?from=1&to=2").status_code == 200
