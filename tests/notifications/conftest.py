"""The inbox's tests write through the apps that notify: their fixtures, shared."""

from tests.annotations.conftest import (  # noqa: F401
    _fast_password_hashing,
    document,
    make_annotation,
    moderator,
    third_user,
)
from tests.atlas.conftest import make_published  # noqa: F401
