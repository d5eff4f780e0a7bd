"""HTML pages of the sources app: list, reader, add a source, import status, new version."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.sources.models import DocumentStatus, Source
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator
from tests.personal import page_with_personal_layer

from . import samples
from .adding import add_source
from .conftest import passages_text, row_counts

pytestmark = pytest.mark.django_db

LIST_URL = reverse("sources:list")

# Anonymous reader: source, document, passages, versions. Signed in: + session + user.
# Source, version, passages, versions, maintainers + the reader extensions (annotations:
# source and annotations; atlas: passage links). Signed in: session, user, the versions
# beyond the published ones the viewer may read (their proposals), two permission
# lookups (moderator tools) and the notification badge. Since session 7 also the text's
# translations (ADR 0019) and the highlight legend (annotations).
READER_QUERIES_ANONYMOUS = 8
READER_QUERIES_SIGNED_IN = 12
LIST_QUERIES = 2  # count + page


def reader_url(source, version=None) -> str:
    if version is None:
        return reverse("sources:reader", kwargs={"slug": source.slug})
    return reverse("sources:reader_version", kwargs={"slug": source.slug, "version": version})


# --- Source list ---------------------------------------------------------------------------


@pytest.fixture
def three_sources(make_source):
    return [
        make_source(
            title="Scoring in Europe", authors=["Ada Lovelace"], year=2020, source_type="paper"
        ),
        make_source(
            passages_text(2),
            title="Platform ratings",
            authors=["Jürgen Müller"],
            year=2021,
            source_type="report",
        ),
        make_source(
            passages_text(3),
            title="Blacklists and red lists",
            authors=["Grace Hopper"],
            year=2021,
            source_type="law",
        ),
    ]


def listed_titles(response) -> list[str]:
    return [source.title for source in response.context["page"].object_list]


def test_list_shows_readable_sources_in_title_order(client, three_sources, make_source):
    make_source(samples.DEEP_HTML, title="A failed import")  # never readable
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert listed_titles(response) == [
        "Blacklists and red lists",
        "Platform ratings",
        "Scoring in Europe",
    ]
    assert "A failed import" not in response.text
    assert f'href="{reader_url(three_sources[0])}"' in response.text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "platform"}, ["Platform ratings"]),
        ({"q": "HOPPER"}, ["Blacklists and red lists"]),
        ({"q": "Müller"}, ["Platform ratings"]),
        ({"type": "report"}, ["Platform ratings"]),
        ({"year": "2021"}, ["Blacklists and red lists", "Platform ratings"]),
        ({"year": "2021", "type": "law"}, ["Blacklists and red lists"]),
        ({"q": "lists", "year": "2020"}, []),
    ],
    ids=[
        "title",
        "author-any-case",
        "author-with-accent",
        "type",
        "year",
        "type-and-year",
        "no-match",
    ],
)
def test_list_search_and_filters(client, three_sources, params, expected):
    assert listed_titles(client.get(LIST_URL, params)) == expected


def test_list_empty_states(client, three_sources):
    assert "No sources match these filters." in client.get(LIST_URL, {"q": "zebra"}).text
    Source.objects.all().delete()
    response = client.get(LIST_URL)
    assert "No sources yet." in response.text
    assert "No sources match" not in response.text


def test_list_ignores_an_invalid_filter_and_shows_the_error(client, three_sources):
    response = client.get(LIST_URL, {"year": "soon"})
    assert response.status_code == 200
    assert len(listed_titles(response)) == 3
    assert "Enter a whole number." in response.text


def test_list_query_count_is_constant(client, make_source, django_assert_max_num_queries):
    for i in range(30):
        make_source(passages_text(1, prefix=f"S{i}"), title=f"Source {i:02d}")
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL)
    assert len(listed_titles(response)) == 25
    assert "Source 24" in response.text
    assert "Source 25" in client.get(LIST_URL, {"page": 2}).text


# --- Reader --------------------------------------------------------------------------------


def test_reader_shows_the_founding_paper(client, founding_paper):
    response = client.get(reader_url(founding_paper))
    html = response.text
    assert response.status_code == 200
    assert "Exploring China&#x27;s Social Credit System" in html
    assert "Karen Li Xan Wong" in html
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY</a>' in html
    assert "<em>Global Media Journal</em>, 19(57)" in html
    # Cite box: APA and BibTeX ready to copy.
    assert "Wong, K. L. X. (2021). Exploring China&#x27;s Social Credit System" in html
    assert "@article{wong2021exploring," in html
    assert 'data-copy-target="cite-apa"' in html and 'data-copy-target="cite-bibtex"' in html
    # Table of contents links to the four headings.
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    headings = founding_paper.current_document.passages.filter(kind="heading").order_by("order")
    assert len(re.findall(r"<li>", toc)) == 4
    for heading in headings:
        assert f'<a href="#p-{heading.anchor}">' in toc
    # One element per passage with its permalink.
    for passage in founding_paper.current_document.passages.all():
        assert f'id="p-{passage.anchor}"' in html
        assert f'class="permalink" href="#p-{passage.anchor}"' in html
        assert f'data-start="{passage.start}" data-end="{passage.end}"' in html
    assert "Schufa uses geo-scoring" in html
    # No front matter and no version switcher for a single version.
    assert "Corresponding author" not in html
    assert 'class="versions"' not in html
    assert f'<link rel="canonical" href="http://testserver{reader_url(founding_paper)}">' in html


def test_reader_escapes_passage_text(client, make_source):
    source = make_source(b"Heading\n\nA paragraph with <script>alert(1)</script> in it.\n")
    html = client.get(reader_url(source)).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_version_switcher_and_old_versions(client, make_source, upload_version):
    source = make_source()
    upload_version(source, passages_text(2))
    current = client.get(reader_url(source)).text
    assert 'class="versions"' in current
    assert f'href="{reader_url(source, 1)}"' in current
    assert f'href="{reader_url(source, 2)}" aria-current="page"' in current
    assert "not the current version" not in current

    old = client.get(reader_url(source, 1))
    assert old.status_code == 200
    assert "Scoring in practice" in old.text
    assert "You are reading version 1, not the current version." in old.text
    assert f'href="{reader_url(source, 1)}" aria-current="page"' in old.text


@pytest.mark.parametrize(
    "path", ["/sources/no-such-source/", "/sources/no-such-source/versions/1/"]
)
def test_reader_404_for_unknown_slug(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_reader_404_for_unknown_failed_or_pending_version(
    client, make_source, upload_version, user
):
    source = make_source()
    upload_version(source, samples.DEEP_HTML)  # failed: no version number
    assert client.get(reader_url(source, 2)).status_code == 404
    assert client.get(reader_url(source, 0)).status_code == 404
    never_imported = Source.objects.create(slug="pending", title="Pending")
    assert client.get(reader_url(never_imported)).status_code == 404


def test_reader_upload_link_only_for_signed_in_users(client, user, make_source):
    source = make_source()
    link = reverse("sources:version_add", kwargs={"slug": source.slug})
    assert link not in client.get(reader_url(source)).text
    client.force_login(user)
    assert link in page_with_personal_layer(client, reader_url(source))


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_reader_query_count_is_constant(
    client, make_source, user, signed_in, django_assert_max_num_queries
):
    if signed_in:
        client.force_login(user)
    limit = READER_QUERIES_SIGNED_IN if signed_in else READER_QUERIES_ANONYMOUS
    small = make_source(passages_text(10))
    large = make_source(passages_text(200))
    assert large.current_document.passages.count() == 201
    for source, passages in ((small, 11), (large, 201)):
        with django_assert_max_num_queries(limit):
            response = client.get(reader_url(source))
        assert response.text.count('class="passage ') == passages


# --- Import status --------------------------------------------------------------------------


def assert_form_error(response, message: str) -> None:
    assert response.status_code == 200, "a bad form is shown again, not redirected"
    assert "Please correct the errors below." in response.text
    assert message in response.text


@pytest.fixture
def pending_document(user_client, user):
    """Uploaded but not yet imported: on-commit work is not run."""
    add_source(user_client)
    return Source.objects.get().documents.get()


def status_url(document) -> str:
    return reverse("sources:import_status", kwargs={"document_id": document.pk})


def test_import_status_pending_polls(user_client, pending_document):
    response = user_client.get(status_url(pending_document))
    assert response.status_code == 200
    assert "Waiting to be imported" in response.text
    assert f'hx-get="{status_url(pending_document)}"' in response.text
    assert 'hx-trigger="every 1s"' in response.text
    assert "<html" in response.text


def test_import_status_htmx_partial_and_redirect_when_ready(user_client, pending_document):
    url = status_url(pending_document)
    partial = user_client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert partial.text.lstrip().startswith('<div id="import-status"')
    assert "<html" not in partial.text
    assert "HX-Redirect" not in partial.headers

    from apps.sources.services import document_import

    document = document_import(document_id=pending_document.pk)
    ready = user_client.get(url, headers={"HX-Request": "true"})
    assert ready.headers["HX-Redirect"] == reader_url(document.source, 1)
    assert "hx-get" not in ready.text


def test_import_status_only_for_the_uploader(client, pending_document, other_user):
    url = status_url(pending_document)
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("account_login"))
    client.force_login(other_user)
    assert client.get(url).status_code == 404
    # Staff alone is not enough: the source's stewards (maintainers, moderators) may.
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 404
    client.force_login(make_moderator())
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("sources:import_status", kwargs={"document_id": 999999})).status_code
        == 404
    )


# --- New version ------------------------------------------------------------------------------


def test_new_version_upload_by_a_maintainer(user_client, make_source, run_on_commit, user):
    source = make_source(by=user)  # the uploader maintains the source
    url = reverse("sources:version_add", kwargs={"slug": source.slug})
    page = user_client.get(url)
    assert "New version of “Scoring in Europe”" in page.text
    with run_on_commit():
        response = user_client.post(url, {"file": SimpleUploadedFile("v2.md", samples.MARKDOWN)})
    source.refresh_from_db()
    assert source.current_document.version == 2
    assert response.url == status_url(source.current_document)
    assert "Version 2 is ready." in user_client.get(response.url).text


def test_new_version_by_anyone_else_is_a_proposal(
    user_client, make_source, run_on_commit, other_user
):
    source = make_source(by=other_user)
    url = reverse("sources:version_add", kwargs={"slug": source.slug})
    page = user_client.get(url)
    assert "Propose a new version of “Scoring in Europe”" in page.text
    with run_on_commit():
        response = user_client.post(url, {"file": SimpleUploadedFile("v2.md", samples.MARKDOWN)})
    source.refresh_from_db()
    assert source.current_document.version == 1
    proposal = source.documents.get(version=2)
    assert proposal.status == DocumentStatus.PROPOSED
    assert response.url == status_url(proposal)
    status_page = user_client.get(response.url).text
    assert "Version 2 was imported as a proposal" in status_page


def test_new_version_bad_file_stores_nothing(user_client, make_source):
    source = make_source()
    before = row_counts()
    url = reverse("sources:version_add", kwargs={"slug": source.slug})
    response = user_client.post(
        url, {"file": SimpleUploadedFile("v2.pdf", samples.encrypted_pdf())}
    )
    assert_form_error(response, "This PDF is password-protected.")
    assert row_counts() == before


def test_new_version_requires_login_and_a_source(client, user, make_source):
    source = make_source()
    url = reverse("sources:version_add", kwargs={"slug": source.slug})
    assert client.get(url).status_code == 302
    assert (
        client.post(url, {"file": SimpleUploadedFile("v2.txt", passages_text(2))}).status_code
        == 302
    )
    assert source.documents.count() == 1
    client.force_login(user)
    assert client.get("/sources/nope/versions/new/").status_code == 404


# --- Error pages ------------------------------------------------------------------------------


def test_styled_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text
    assert 'class="site-header"' in response.text


def test_json_404_under_api(client):
    response = client.get("/api/no/such/endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_add_source_with_a_full_publication_date(user_client, run_on_commit):
    with run_on_commit():
        response = add_source(user_client, year="", published_on="2022-03-04")
    assert response.status_code == 302
    source = Source.objects.get()
    assert (source.published_on, source.year) == (datetime.date(2022, 3, 4), 2022)
    reader = user_client.get(reader_url(source, 1)).text
    assert '<time datetime="2022-03-04">' in reader


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"published_on": "2022-13-01"}, "Enter a valid date."),
        ({"published_on": "2021-06-17"}, "The date’s year differs from the year (2022)."),
        ({"published_on": "2999-01-01", "year": ""}, "The date cannot be in the future."),
        ({"published_on": "x" * 2048}, "Enter a valid date."),
    ],
    ids=["bad-date", "other-year", "future-date", "2kb"],
)
def test_add_source_bad_date_stores_nothing(user_client, run_on_commit, overrides, message):
    with run_on_commit():
        response = add_source(user_client, **overrides)
    assert_form_error(response, message)
    assert row_counts()["sources"] == 0
