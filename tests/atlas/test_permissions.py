"""apps/atlas/permissions.py, the one answer to "who may act on this entry", role by
role. The pages, the API and the moderation console ask it (tests/moderation/
test_permission_matrix*.py check them through HTTP); these rows pin the answers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.atlas import permissions
from apps.atlas.entries import services as entry_services
from apps.atlas.models import EntryComment, Example, SuggestedEdit
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator, make_trusted

from .conftest import evidence_data, example_data

ROLES = ("anonymous", "author", "other", "global", "german", "french")


@pytest.fixture
def people(user):
    return {
        "anonymous": AnonymousUser(),
        "author": user,
        "other": UserFactory(),
        "global": make_moderator(),
        "german": make_moderator(countries=["DE"]),
        "french": make_moderator(countries=["FR"]),
    }


@pytest.fixture
def published(user, make_published):
    return make_published(user)


def _answers(check, people) -> tuple[bool, ...]:
    return tuple(bool(check(people[role])) for role in ROLES)


#                                              anon   author other  global german french
@pytest.mark.parametrize(
    "question, expected",
    [
        ("view", (True, True, True, True, True, True)),
        ("read_history", (True, True, True, True, True, True)),
        ("edit", (False, True, False, True, True, False)),
        ("needs_review", (False, True, False, False, False, False)),
        ("suggest", (False, False, True, True, True, True)),
        ("review_suggestions", (False, True, False, True, True, False)),
        ("moderate", (False, False, False, True, True, False)),
        ("restore", (False, False, False, True, True, False)),
        ("merge", (False, False, False, True, True, False)),
        ("archive", (False, False, False, True, True, False)),
        ("comment", (False, True, True, True, True, True)),
        ("hide_comments", (False, False, False, True, True, False)),
    ],
)
def test_a_published_german_entry(people, published, question, expected):
    checks = {
        "view": lambda u: permissions.can_view(u, published),
        "read_history": lambda u: permissions.can_read_history(u, published),
        "edit": lambda u: permissions.can_edit(user=u, example=published),
        "needs_review": lambda u: permissions.needs_review(user=u, example=published),
        "suggest": lambda u: permissions.can_suggest(user=u, example=published),
        "review_suggestions": lambda u: permissions.can_review_suggestions(
            user=u, example=published
        ),
        "moderate": lambda u: permissions.can_moderate_example(u, published),
        "restore": lambda u: permissions.can_restore(user=u, example=published),
        "merge": lambda u: permissions.can_merge(user=u, example=published),
        "archive": lambda u: permissions.can_transition(user=u, example=published, to="archived"),
        "comment": lambda u: permissions.can_comment(user=u, example=published),
        "hide_comments": lambda u: permissions.can_moderate_discussion(user=u, example=published),
    }
    assert _answers(checks[question], people) == expected


def test_a_submitted_entry_is_for_its_author_and_its_moderators(people, user):
    submitted = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], submit=True
    )
    assert _answers(lambda u: permissions.can_view(u, submitted), people) == (
        False, True, False, True, True, False,
    )  # fmt: skip
    # The author withdraws it; moderators of Germany publish, reject or send it back.
    assert permissions.allowed_transitions(user=people["author"], example=submitted) == ["draft"]
    assert permissions.allowed_transitions(user=people["german"], example=submitted) == [
        "draft", "published", "changes_requested", "rejected",
    ]  # fmt: skip
    assert permissions.allowed_transitions(user=people["french"], example=submitted) == []
    assert not permissions.can_transition(user=people["author"], example=submitted, to="published")


def test_a_trusted_authors_edits_need_no_review(make_published):
    trusted = make_trusted()
    entry = make_published(trusted)
    assert permissions.can_edit(user=trusted, example=entry)
    assert not permissions.needs_review(user=trusted, example=entry)


def test_comments_and_suggestions(people, published):
    comment = EntryComment(example=published, author=people["other"], body="x")
    assert _answers(lambda u: permissions.can_delete_comment(user=u, comment=comment), people) == (
        False, False, True, True, True, False,
    )  # fmt: skip
    suggestion = SuggestedEdit(example=published, proposer=people["other"], changes={})
    assert _answers(
        lambda u: permissions.can_decide_suggestion(user=u, suggestion=suggestion), people
    ) == (False, True, False, True, True, False)  # fmt: skip
    # Proposer, author and any moderator see it; nobody else.
    assert _answers(
        lambda u: permissions.can_see_suggestion(user=u, suggestion=suggestion), people
    ) == (False, True, True, True, True, True)  # fmt: skip
    # The author's own pending edit is decided by moderators, not by its author.
    own = SuggestedEdit(example=published, proposer=people["author"], changes={})
    assert not permissions.can_decide_suggestion(user=people["author"], suggestion=own)


def test_refusals_say_why(people, published):
    eu = Example(pk=7, title="EU scheme", scope="EU")
    with pytest.raises(PermissionDenied, match="Only moderators can merge"):
        permissions.require_moderator_of(
            people["other"], published, message="Only moderators can merge."
        )
    with pytest.raises(PermissionDenied, match="about Germany, which is outside the countries"):
        permissions.require_moderator_of(people["french"], published, message="-")
    with pytest.raises(PermissionDenied, match="Only global moderators can act on entries about"):
        permissions.require_moderator_of(people["german"], eu, message="-")
    # Two entries at stake (a merge): the refusal names the one outside the scope.
    with pytest.raises(PermissionDenied, match=f"Entry #{published.pk} is about Germany"):
        permissions.require_moderator_of(people["french"], published, published, message="-")
    permissions.require_moderator_of(people["global"], published, eu, message="-")
