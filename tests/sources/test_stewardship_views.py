"""The stewardship parts of the source pages: maintainers, proposals, accept / reject /
withdraw forms (POST only, labelled, with a reason), the diff page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.moderation.models import AuditLogEntry
from apps.sources import services
from apps.sources.models import DocumentStatus, SourceMaintainer
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator
from tests.personal import page_with_personal_layer, shown

from .conftest import passages_text

pytestmark = pytest.mark.django_db

# Signed-in reader: session, user, source, versions, the reader extensions' queries (as in
# test_views.py), plus the maintainers and the versions the viewer may read beyond the
# published ones (two queries, whatever their number), and the text's translations (ADR 0019).
READER_QUERIES_STEWARD = 16
# Session, user, roles, maintainer, source, the two versions, their passages (one query),
# the versions for the form's menus, the header's notification count.
DIFF_QUERIES = 10


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def proposer(db):
    return UserFactory(username="proposer")


@pytest.fixture
def source(make_source, owner):
    return make_source(passages_text(4), by=owner)


@pytest.fixture
def proposal(source, upload_version, proposer):
    changed = passages_text(4).replace(b"number 2 says", b"number 2 clearly says")
    return upload_version(source, changed, by=proposer)


def reader(source, version=None) -> str:
    if version is None:
        return reverse("sources:reader", kwargs={"slug": source.slug})
    return reverse("sources:reader_version", kwargs={"slug": source.slug, "version": version})


def action(source, version: int, name: str) -> str:
    return reverse(f"sources:version_{name}", kwargs={"slug": source.slug, "version": version})


def test_reader_shows_maintainers_and_the_right_upload_wording(client, source, owner):
    page = page_with_personal_layer(client, reader(source))
    assert 'id="maintainers"' in page and "@owner" in page
    assert "Propose a new version" not in page and "Upload a new version" not in page
    client.force_login(UserFactory())
    page = page_with_personal_layer(client, reader(source))
    assert "Propose a new version of this source" in page
    assert "Add as maintainer" not in page
    client.force_login(owner)
    page = page_with_personal_layer(client, reader(source))
    assert "Upload a new version of this source" in page
    assert "Add as maintainer" in page and 'name="username"' in page


def test_founding_paper_says_the_moderators_look_after_it(client, founding_paper):
    page = page_with_personal_layer(client, reader(founding_paper))
    assert "The moderators look after this source" in page


def test_proposals_list_for_stewards_and_the_proposer_only(
    client, source, proposal, owner, proposer
):
    client.force_login(owner)
    page = page_with_personal_layer(client, reader(source))
    assert "Proposed, rejected and withdrawn versions" in page
    assert "1 proposed version is waiting for a decision." in page
    assert action(source, 2, "accept") in page and action(source, 2, "reject") in page
    assert f"/sources/{source.slug}/diff/?to=2" in page
    client.force_login(proposer)
    page = page_with_personal_layer(client, reader(source))
    assert "Your proposed versions" in page and action(source, 2, "accept") not in page
    for viewer in (UserFactory(), None):
        client.logout()
        if viewer:
            client.force_login(viewer)
        page = page_with_personal_layer(client, reader(source))
        assert reader(source, 2) not in page and "proposed versions" not in page


def test_proposal_reader_page(client, source, proposal, owner, proposer):
    url = reader(source, 2)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(proposer)
    page = client.get(url).text
    assert "Proposed version 2" in page and "proposer proposed this version" in page.replace(
        "Proposer", "proposer"
    )
    assert "number 2 clearly says" in page
    # A proposal is read, not annotated: the annotation tools are not on its page.
    assert "annotations.css" not in page and "annotations.css" in page_with_personal_layer(
        client, reader(source)
    )
    assert action(source, 2, "accept") not in page
    client.force_login(owner)
    page = client.get(url).text
    assert action(source, 2, "accept") in page and 'for="proposal-reason-2"' in page


def test_accept_through_the_page(client, source, proposal, owner):
    client.force_login(owner)
    response = client.post(action(source, 2, "accept"), {"reason": "Clearer"})
    assert response.status_code == 302 and response.url == reader(source, 2)
    source.refresh_from_db()
    assert source.current_document_id == proposal.pk
    assert "Version 2 is now the current version." in shown(client, client.get(response.url))


def test_accept_without_a_reason_is_a_400_and_changes_nothing(client, source, proposal, owner):
    client.force_login(owner)
    response = client.post(action(source, 2, "accept"), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text and 'id="id_reason"' in response.text
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    assert not AuditLogEntry.objects.exists()


def test_accept_after_the_current_version_moved_is_a_409_then_confirmed(
    client, source, proposal, owner, upload_version
):
    upload_version(source, passages_text(6), by=owner)  # version 3 is current now
    client.force_login(owner)
    listing = page_with_personal_layer(client, reader(source))
    assert "This proposal was made against version 1; version 3 is current now." in listing
    response = client.post(action(source, 2, "accept"), {"reason": "Clearer"})
    assert response.status_code == 409
    assert "Version 3 became the current version" in response.text
    assert f"/sources/{source.slug}/diff/?from=3&amp;to=2" in response.text
    assert 'name="current_version" value="3"' in response.text
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    response = client.post(
        action(source, 2, "accept"), {"reason": "Clearer", "current_version": "3"}
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.current_document_id == proposal.pk


def test_reject_through_the_page(client, source, proposal, owner, proposer):
    client.force_login(owner)
    response = client.post(action(source, 2, "reject"), {"reason": "Different paper"})
    assert response.status_code == 302
    client.force_login(proposer)
    page = page_with_personal_layer(client, reader(source, 2))
    assert "Rejected proposal: version 2" in page and "Different paper" in page


@pytest.mark.parametrize("name", ["accept", "reject", "withdraw"])
def test_version_actions_are_post_only_and_for_stewards(client, source, proposal, proposer, name):
    version = 1 if name == "withdraw" else 2
    client.force_login(proposer)
    assert client.get(action(source, version, name)).status_code == 405
    assert client.post(action(source, version, name), {"reason": "Mine"}).status_code == 403
    client.force_login(UserFactory())
    expected = 403 if name == "withdraw" else 404  # others cannot even read the proposal
    assert client.post(action(source, version, name), {"reason": "x"}).status_code == expected
    client.logout()
    response = client.post(action(source, version, name), {"reason": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    proposal.refresh_from_db()
    assert proposal.status == DocumentStatus.PROPOSED
    assert not AuditLogEntry.objects.exists()


def test_withdraw_through_the_reader(client, source, owner, upload_version):
    second = upload_version(source, passages_text(5), by=owner)
    client.force_login(owner)
    page = page_with_personal_layer(client, reader(source))
    assert "Withdraw version 2" in page and 'for="withdraw-reason"' in page
    response = client.post(action(source, 2, "withdraw"), {"reason": "Wrong file"})
    assert response.status_code == 302 and response.url == reader(source)
    source.refresh_from_db()
    assert source.current_document.version == 1
    page = page_with_personal_layer(client, reader(source, 2))
    assert "Withdrawn version 2" in page and "Wrong file" in page
    client.force_login(UserFactory())
    assert client.get(reader(source, 2)).status_code == 404
    second.refresh_from_db()
    assert second.status == DocumentStatus.WITHDRAWN


def test_withdrawing_the_only_version_is_refused_with_a_message(client, source, owner):
    client.force_login(owner)
    assert "Withdraw version 1" not in page_with_personal_layer(client, reader(source))
    response = client.post(action(source, 1, "withdraw"), {"reason": "Oops"})
    assert response.status_code == 400
    assert "only published version of this source" in response.text


def test_maintainers_through_the_page(client, source, owner):
    UserFactory(username="colleague")
    client.force_login(owner)
    add = reverse("sources:maintainer_add", kwargs={"slug": source.slug})
    remove = reverse("sources:maintainer_remove", kwargs={"slug": source.slug})
    response = client.post(add, {"username": "colleague"})
    assert response.status_code == 302 and response.url.endswith("#maintainers")
    assert "@colleague" in page_with_personal_layer(client, reader(source))
    response = client.post(add, {"username": "nobody-here"})
    assert response.status_code == 400
    assert "There is no account named “nobody-here”." in response.text
    assert client.post(remove, {"username": "colleague"}).status_code == 302
    assert list(SourceMaintainer.objects.values_list("user__username", flat=True)) == ["owner"]
    client.force_login(UserFactory())
    assert client.post(add, {"username": "colleague"}).status_code == 403
    assert client.get(add).status_code == 405
    assert SourceMaintainer.objects.count() == 1


def test_reader_query_count_does_not_grow_with_proposals(
    client, source, owner, upload_version, django_assert_max_num_queries
):
    client.force_login(owner)
    upload_version(source, passages_text(5), by=UserFactory())
    with django_assert_max_num_queries(READER_QUERIES_STEWARD) as few:
        page_with_personal_layer(client, reader(source))
    for n in range(4):
        upload_version(source, passages_text(6 + n), by=UserFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = page_with_personal_layer(client, reader(source))
    assert page.count(">Accept and publish<") == 5


# --- Diff page -----------------------------------------------------------------------------


def test_diff_page_shows_word_changes_and_counts(client, source, proposal, proposer):
    client.force_login(proposer)
    response = client.get(f"/sources/{source.slug}/diff/?from=1&to=2")
    assert response.status_code == 200
    page = response.text
    assert "Changes from version 1 to version 2" in page
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", page))
    assert counts["Passages changed"] == "1" and counts["Words inserted"] == "1"
    assert counts["deleted"] == "0" and counts["added"] == "0"
    assert "Paragraph number 2 <ins>clearly </ins>says" in page
    assert "3 unchanged passages" in page and "1 unchanged passage<" in page
    assert f'href="/sources/{source.slug}/versions/2/#p-' in page


def test_diff_defaults_to_what_the_proposal_changed(client, source, proposal, owner):
    client.force_login(owner)
    page = client.get(f"/sources/{source.slug}/diff/?to=2").text
    assert "Changes from version 1 to version 2" in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?from=abc&to=1", 400, "“from” must be a version number"),
        ("?from=1&to=0", 400, "“to” must be a version number"),
        ("?from=1&to=99", 404, None),
        ("?from=99&to=1", 404, None),
        ("?to=1", 400, "Version 1 has no earlier version"),
    ],
)
def test_diff_page_bad_versions(client, source, query, status, message):
    response = client.get(f"/sources/{source.slug}/diff/{query}")
    assert response.status_code == status
    if message:
        assert message in response.text


def test_diff_of_a_proposal_is_404_for_others(client, source, proposal):
    assert client.get(f"/sources/{source.slug}/diff/?from=1&to=2").status_code == 404
    client.force_login(UserFactory())
    assert client.get(f"/sources/{source.slug}/diff/?from=2&to=1").status_code == 404


def test_diff_page_query_count_is_constant(
    client, make_source, upload_version, owner, django_assert_max_num_queries
):
    client.force_login(owner)
    for n in (5, 200):
        source = make_source(passages_text(n), by=owner)
        upload_version(source, passages_text(n, prefix="Part"), by=owner)
        with django_assert_max_num_queries(DIFF_QUERIES):
            response = client.get(f"/sources/{source.slug}/diff/?from=1&to=2")
        assert response.status_code == 200


def test_version_switcher_links_to_the_diff(client, source, owner, upload_version):
    upload_version(source, passages_text(5), by=owner)
    page = page_with_personal_layer(client, reader(source))
    assert f"/sources/{source.slug}/diff/?to=2" in page
    assert f"/sources/{source.slug}/diff/?from=1" in page_with_personal_layer(
        client, reader(source, 1)
    )


def test_the_queue_links_a_proposal_to_its_diff(client, source, proposal):
    client.force_login(make_moderator())
    page = client.get("/moderation/").text
    assert f"/sources/{source.slug}/diff/?from=1&amp;to=2" in page
    assert "proposed version 2" in page


def test_import_status_of_a_proposal(client, source, proposal, proposer):
    client.force_login(proposer)
    url = reverse("sources:import_status", kwargs={"document_id": proposal.pk})
    page = client.get(url).text
    assert "Version 2 was imported as a proposal" in page
    assert services.diff_url(proposal) in page.replace("&amp;", "&")
    htmx = client.get(url, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reader(source, 2)
