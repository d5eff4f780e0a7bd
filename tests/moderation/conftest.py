"""Role fixtures for moderation tests. Roles are set up directly (group rows) so tests of
the role services start from a known state without going through them. Groups are
fetched with get_or_create: transactional tests flush the rows the migration made."""

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
    return make_trusted_user(UserFactory(**kwargs))


def make_trusted_user(user):
    """Add an existing user to the trusted contributors (and forget memoised roles)."""
    from apps.moderation.permissions import forget_roles

    user.groups.add(Group.objects.get_or_create(name=TRUSTED_GROUP)[0])
    forget_roles(user)
    return user


def make_moderator(countries=(), **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=MODERATOR_GROUP)[0])
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


def make_item(*, author=None, country=None, item_type="uploaded_source", target=None, **fields):
    """An open review item about a source written by ``author``. ``country`` is set on
    the item directly (sources have none) to exercise moderators' scopes."""
    from apps.moderation.models import ReviewItem
    from apps.moderation.services import review_item_open
    from tests.factories import SourceFactory

    if target is None:
        target = SourceFactory(added_by=author or UserFactory())
    item = review_item_open(item_type=item_type, target=target)
    if country or fields:
        ReviewItem.objects.filter(pk=item.pk).update(country=country, **fields)
        item.refresh_from_db()
    return item


@pytest.fixture
def item(db, user):
    return make_item(author=user)


@pytest.fixture
def upload(run_on_commit):
    """Upload a source as ``user`` through the sources service (imports run inline)."""
    from apps.sources.services import SourceMetadata, source_create
    from tests.samples import markdown_bytes

    def do(user, title="Scoring in practice"):
        with run_on_commit():
            return source_create(
                user=user,
                metadata=SourceMetadata(title=title, authors=["A. Writer"], year=2020),
                data=markdown_bytes(),
                filename="scoring.md",
            )

    return do
