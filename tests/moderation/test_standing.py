"""moderation.standing(user): every question a write asks about its author, in one read."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from apps.moderation.models import UserModerationState
from apps.moderation.standing import ANONYMOUS, standing
from tests.factories import UserFactory

from .conftest import make_moderator, make_trusted

pytestmark = pytest.mark.django_db


def test_visitors_and_inactive_accounts_stand_nowhere(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert standing(None) == ANONYMOUS
        assert standing(AnonymousUser()) == ANONYMOUS
        assert standing(UserFactory.build(is_active=False)) == ANONYMOUS


def test_a_new_contributor(django_assert_max_num_queries):
    user = UserFactory()
    with django_assert_max_num_queries(2):
        result = standing(user)
    assert result.signed_in and result.new_account
    assert not (result.trusted or result.is_moderator or result.premoderated)
    assert not result.shadow_hidden
    assert result.scopes == frozenset()


def test_measures_roles_and_age_in_two_queries(django_assert_max_num_queries):
    user = make_trusted(date_joined=timezone.now() - datetime.timedelta(days=30))
    UserModerationState.objects.create(user=user, premoderate_annotations=True, shadow_hidden=True)
    with django_assert_max_num_queries(2):
        result = standing(user)
    assert result.trusted and result.premoderated and result.shadow_hidden
    assert not result.new_account and not result.is_moderator


def test_a_scoped_moderator_carries_their_countries():
    assert standing(make_moderator(countries=["DE", "FR"])).scopes == frozenset({"DE", "FR"})
    global_moderator = standing(make_moderator())
    assert global_moderator.is_moderator and global_moderator.scopes is None
    assert global_moderator.trusted


def test_a_measure_applies_to_the_next_write():
    """Not cached across calls: a moderator's measure counts at once."""
    user = UserFactory()
    assert not standing(user).premoderated
    UserModerationState.objects.create(user=user, premoderate_annotations=True)
    assert standing(user).premoderated
