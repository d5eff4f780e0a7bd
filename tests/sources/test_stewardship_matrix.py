"""Every role × every stewardship action on a source, through HTTP (pages and API).

The table is the specification (docs/moderation.md, "Source stewardship"). The source was
uploaded by "uploader" (its first maintainer), who named "maintainer" too; it has two
published versions (1, 2) and a proposal (3) by "proposer". Moderators scoped to a
country are not source moderators: sources belong to no country.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.moderation.models import AuditLogEntry
from apps.sources import services
from apps.sources.models import Document, DocumentStatus, Source, SourceMaintainer
from tests.factories import UserFactory
from tests.moderation.conftest import make_admin, make_moderator, make_trusted

from .conftest import passages_text

ROLES = {
    "anonymous": lambda world: None,
    "proposer": lambda world: world["proposer"],
    "another contributor": lambda world: UserFactory(),
    "trusted contributor": lambda world: make_trusted(),
    "maintainer": lambda world: world["maintainer"],
    "uploader (maintainer)": lambda world: world["uploader"],
    "moderator (FR)": lambda world: make_moderator(countries=["FR"]),
    "global moderator": lambda world: make_moderator(),
    "admin": lambda world: make_admin(),
}

LOGIN = "login"  # a page sends the anonymous visitor to sign in, nothing changes
DONE = 302  # the page did it and redirects back
PUB, PROP = "published", "proposed"  # what an uploaded version became
ANON_API = "anon"  # 403 for a browser session, 401 for a token client (apps/common/api.py)

# role                    upload, read proposal, API proposal, diff with it, accept, reject, withdraw, add maintainer, remove maintainer, API accept, correct the details, API PATCH
MATRIX = {
    "anonymous":             (LOGIN, 404, 404, 404, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, ANON_API, LOGIN, ANON_API),
    "proposer":              (PROP,  200, 200, 200, 403,   403,   403,   403,   403,   403,      403,   403),
    "another contributor":   (PROP,  404, 404, 404, 404,   404,   403,   403,   403,   404,      403,   403),
    "trusted contributor":   (PROP,  404, 404, 404, 404,   404,   403,   403,   403,   404,      403,   403),
    "maintainer":            (PUB,   200, 200, 200, DONE,  DONE,  DONE,  DONE,  DONE,  200,      DONE,  200),
    "uploader (maintainer)": (PUB,   200, 200, 200, DONE,  DONE,  DONE,  DONE,  DONE,  200,      DONE,  200),
    "moderator (FR)":        (PROP,  404, 404, 404, 404,   404,   403,   403,   403,   404,      403,   403),
    "global moderator":      (PUB,   200, 200, 200, DONE,  DONE,  DONE,  DONE,  DONE,  200,      DONE,  200),
    "admin":                 (PUB,   200, 200, 200, DONE,  DONE,  DONE,  DONE,  DONE,  200,      DONE,  200),
}  # fmt: skip
ACTIONS = (
    "upload",
    "read_proposal",
    "api_proposal",
    "diff",
    "accept",
    "reject",
    "withdraw",
    "add_maintainer",
    "remove_maintainer",
    "api_accept",
    "edit_details",
    "api_edit_details",
)

CELLS = [
    pytest.param(role, action, MATRIX[role][index], id=f"{role} × {action}")
    for role in ROLES
    for index, action in enumerate(ACTIONS)
]


@pytest.fixture
def world(db, run_on_commit):
    uploader = UserFactory(username="uploader")
    maintainer = UserFactory(username="maintainer")
    proposer = UserFactory(username="proposer")
    UserFactory(username="newcomer")
    with run_on_commit():
        source = services.source_create(
            user=uploader,
            metadata=services.SourceMetadata(title="Provincial scores", authors=["A. Writer"]),
            data=passages_text(3),
            filename="v1.txt",
        )
    services.maintainer_add(actor=uploader, source=source, username="maintainer")
    with run_on_commit():
        services.document_upload(user=uploader, source=source, data=passages_text(4))
    with run_on_commit():
        proposal = services.document_upload(user=proposer, source=source, data=passages_text(5))
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED and proposal.version == 3
    return {
        "source": source,
        "uploader": uploader,
        "maintainer": maintainer,
        "proposer": proposer,
        "proposal": proposal,
    }


def _perform(client, action, world, run_on_commit):
    slug = world["source"].slug
    base = f"/sources/{slug}"
    if action == "upload":
        with run_on_commit():
            return client.post(
                f"{base}/versions/new/",
                {"file": SimpleUploadedFile("new.txt", passages_text(7))},
            )
    if action == "read_proposal":
        return client.get(f"{base}/versions/3/")
    if action == "api_proposal":
        return client.get(f"/api/sources/{slug}/versions/3/")
    if action == "diff":
        return client.get(f"{base}/diff/?from=2&to=3")
    if action in ("accept", "reject"):
        return client.post(f"{base}/versions/3/{action}/", {"reason": "Read it"})
    if action == "withdraw":
        return client.post(f"{base}/versions/2/withdraw/", {"reason": "Wrong file"})
    if action == "add_maintainer":
        return client.post(f"{base}/maintainers/add/", {"username": "newcomer"})
    if action == "remove_maintainer":
        return client.post(f"{base}/maintainers/remove/", {"username": "uploader"})
    if action == "api_accept":
        return client.post(
            f"/api/sources/{slug}/versions/3/accept/",
            {"reason": "Read it"},
            content_type="application/json",
        )
    if action == "edit_details":
        fields = {"title": "Renamed", "authors": "A. Writer", "source_type": "paper"}
        return client.post(f"{base}/details/", fields)
    if action == "api_edit_details":
        return client.patch(
            f"/api/sources/{slug}/", {"title": "Renamed"}, content_type="application/json"
        )
    raise AssertionError(action)


@pytest.mark.django_db
@pytest.mark.parametrize("role, action, expected", CELLS)
def test_stewardship_matrix(client, world, run_on_commit, role, action, expected):
    actor = ROLES[role](world)
    if actor is not None:
        client.force_login(actor)
    documents_before = Document.objects.count()

    response = _perform(client, action, world, run_on_commit)

    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response.url
    elif expected == ANON_API:
        assert response.status_code in (401, 403)
    elif expected in (PUB, PROP):
        assert response.status_code == 302 and "/sources/imports/" in response.url
        new = Document.objects.order_by("-pk").first()
        assert Document.objects.count() == documents_before + 1
        assert new.status == (DocumentStatus.READY if expected == PUB else DocumentStatus.PROPOSED)
    else:
        assert response.status_code == expected, response.content[:300]
        if expected == DONE:
            assert "/accounts/login/" not in response.url

    # What each refused action left alone.
    proposal = Document.objects.get(pk=world["proposal"].pk)
    succeeded = expected in (DONE, 200)
    if action in ("accept", "api_accept"):
        assert (proposal.status == DocumentStatus.READY) == succeeded
        assert AuditLogEntry.objects.filter(action="version_accept").exists() == succeeded
    if action == "reject":
        assert (proposal.status == DocumentStatus.REJECTED) == succeeded
    if action == "withdraw":
        second = Document.objects.get(source=world["source"], version=2)
        assert (second.status == DocumentStatus.WITHDRAWN) == succeeded
    if action == "add_maintainer":
        added = SourceMaintainer.objects.filter(user__username="newcomer").exists()
        assert added == succeeded
    if action == "remove_maintainer":
        kept = SourceMaintainer.objects.filter(user__username="uploader").exists()
        assert kept != succeeded
    if action in ("edit_details", "api_edit_details"):
        renamed = Source.objects.get(pk=world["source"].pk).title == "Renamed"
        assert renamed == succeeded
        assert AuditLogEntry.objects.filter(action="source_edit").exists() == succeeded
    if action in ("read_proposal", "api_proposal", "diff") and expected == 200:
        assert "proposed" in response.content.decode().lower()
