from __future__ import annotations

import pytest

from apps.annotations import services
from apps.annotations.services import TextPositionSelector, TextQuoteSelector

# The annotations API, as the API tests call it.
LIST = "/api/annotations/"
JSONLD = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


@pytest.fixture
def clear_throttle_cache():
    """An empty cache before and after: the API tests write more than the write limits
    allow one user per window, and the counts live in the cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.5 s per factory user; these tests never check passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def document(founding_paper):
    return founding_paper.current_document


@pytest.fixture
def moderator(db):
    """A global moderator (the Moderators group; apps.moderation owns the roles)."""
    from tests.moderation.conftest import make_moderator

    return make_moderator()


@pytest.fixture
def third_user(db):
    from tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def make_annotation(document):
    """Factory: annotate the first occurrence of ``quote`` in the founding paper."""

    def make(author, quote: str = "social credit system", **kwargs):
        start = document.text.index(quote)
        kwargs.setdefault("body", "A comment.")
        return services.annotation_create(
            author=author,
            document=kwargs.pop("document", document),
            position=TextPositionSelector(start, start + len(quote)),
            **kwargs,
        )

    return make


__all__ = ["TextPositionSelector", "TextQuoteSelector"]
