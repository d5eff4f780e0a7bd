"""Role fixtures for moderation tests. Roles are set up directly (group rows) so tests of
the role services start from a known state without going through them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from apps.moderation.models import ModeratorScope
from apps.moderation.permissions import MODERATOR_GROUP, TRUSTED_GROUP
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


def make_trusted(**kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=TRUSTED_GROUP))
    return user


def make_moderator(countries=(), **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=MODERATOR_GROUP))
    for code in countries:
        ModeratorScope.objects.create(user=user, country=code)
    return user


def make_admin(**kwargs):
    return UserFactory(is_staff=True, is_superuser=True, **kwargs)


@pytest.fixture
def trusted(db):
    return make_trusted()


@pytest.fixture
def moderator(db):
    return make_moderator()


@pytest.fixture
def french_moderator(db):
    return make_moderator(countries=["FR"])


@pytest.fixture
def admin_user(db):
    return make_admin()
