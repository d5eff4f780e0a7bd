"""Fixtures for releases: a few published entries and a way to cut and read releases."""

from __future__ import annotations

import hashlib

import pytest

from apps.releases import services
from apps.releases.models import Release
from tests.atlas.conftest import (  # noqa: F401 - fixtures
    api,
    make_published,
    moderator,
    schufa_passage,
)
from tests.factories import UserFactory


@pytest.fixture
def author(db):
    return UserFactory(display_name="Ada Author", orcid="0000-0002-1825-0097")


@pytest.fixture
def entries(author, make_published, schufa_passage):  # noqa: F811 - the fixtures above
    """Three published entries in two countries, one with a passage link."""
    return [
        make_published(author, passages=[schufa_passage]),
        make_published(
            author, title="Sesame Credit", country="CN", category="financial-credit-scoring"
        ),
        make_published(author, title="Social Credit System", country="CN", lifecycle="pilot"),
    ]


@pytest.fixture
def cut(run_on_commit):
    """``cut(actor, "1.0.0")``: cut a release and run its build (eager Celery)."""

    def make(actor, version: str, title: str = "First release", notes: str = "") -> Release:
        with run_on_commit():
            release = services.release_create(
                actor=actor, version=version, title=title, notes=notes
            )
        release.refresh_from_db()
        return release

    return make


def file_bytes(client, release: Release, name: str) -> bytes:
    response = client.get(f"/api/releases/{release.version}/files/{name}")
    assert response.status_code == 200, (name, response.status_code)
    return b"".join(response.streaming_content)


def checksums(client, release: Release) -> dict[str, str]:
    return {
        f.name: hashlib.sha256(file_bytes(client, release, f.name)).hexdigest()
        for f in release.files.all()
    }
