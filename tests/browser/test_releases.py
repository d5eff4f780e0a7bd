"""Releases in Chromium: a moderator cuts 1.0.0 from the form, the page follows the build's
progress and then offers the files, which download with the checksums it shows; the
release pages and the map as of the release have no serious accessibility violations."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.releases import services
from apps.releases.models import Release
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    # live_server tests flush the database between tests, migration-seeded rows included.
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


@pytest.fixture
def moderator(transactional_db):
    from tests.moderation.conftest import make_moderator

    return make_moderator()


@pytest.fixture
def published(moderator):
    from apps.atlas.entries import services as entry_services
    from tests.atlas.conftest import evidence_data, example_data

    return [
        entry_services.example_create(
            author=moderator,
            data=example_data(title=title, country=country),
            evidence=[evidence_data()],
            submit=True,
            confirm_distinct=True,
        )
        for title, country in (("Schufa geo-scoring", "DE"), ("Sesame Credit", "CN"))
    ]


def test_a_moderator_cuts_a_release_and_downloads_its_files(
    moderator, published, login_page, monkeypatch
):
    # Hold the build back (no worker picks it up yet), so the page shows its progress.
    held = []
    monkeypatch.setattr(
        "apps.releases.tasks.build_release.delay_on_commit",
        lambda release_id: held.append(release_id),
    )
    page = login_page(moderator)
    page.goto("/atlas/releases/")
    page.get_by_role("link", name="Cut a new release").click()
    expect(page).to_have_url(re.compile(r"/atlas/releases/new/$"))
    assert serious_violations(page) == []
    page.get_by_label("Version").fill("1.0.0")
    page.get_by_label("Title").fill("First release")
    page.get_by_label("Release notes").fill("The **first** snapshot.")
    page.get_by_role("button", name="Cut the release").click()
    expect(page).to_have_url(re.compile(r"/atlas/releases/1\.0\.0/$"))
    expect(page.locator("progress")).to_be_visible()
    assert serious_violations(page) == []

    services.release_build(release_id=held[0])  # the worker, now; the page polls and reloads
    expect(page.get_by_role("heading", name="Downloads")).to_be_visible(timeout=15_000)
    release = Release.objects.get(version="1.0.0")
    csv_file = release.files.get(name="entries.csv")
    expect(page.get_by_text(csv_file.sha256)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="entries.csv").click()
    body = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(body).hexdigest() == csv_file.sha256
    assert b"Sesame Credit" in body
    with page.expect_download() as download:
        page.get_by_role("link", name="CITATION.cff").click()
    assert b"cff-version: 1.2.0" in Path(download.value.path()).read_bytes()
    expect(page.get_by_text("(Version 1.0.0) [Data set]")).to_be_visible()
    assert serious_violations(page) == []
    assert page.js_errors == []


def test_the_release_list_and_the_map_as_of_a_release_are_accessible(moderator, published, page):
    release = services.release_create(actor=moderator, version="1.0.0", title="First")
    services.release_build(release_id=release.pk)
    page.goto("/atlas/releases/")
    expect(page.get_by_role("rowheader").get_by_role("link", name="1.0.0")).to_be_visible()
    assert serious_violations(page) == []
    page.goto("/atlas/?release=1.0.0")
    expect(page.get_by_text("data as of release 1.0.0")).to_be_visible()
    expect(page.get_by_role("heading", name="Cite this dataset")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="See the current data").click()
    expect(page).to_have_url(re.compile(r"/atlas/$"))
    assert page.js_errors == []
