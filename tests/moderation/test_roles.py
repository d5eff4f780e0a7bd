"""Roles: permission functions, role-change services (audited), user-level measures."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.moderation import permissions, selectors
from apps.moderation.models import AuditLogEntry, ModeratorScope, UserModerationState
from apps.moderation.services import (
    role_grant_moderator,
    role_grant_trusted,
    role_revoke_moderator,
    role_revoke_trusted,
    trust_recompute,
    user_set_premoderation,
    user_set_shadow_hidden,
)

from .conftest import make_moderator

pytestmark = pytest.mark.django_db


def test_groups_exist_after_migration():
    from django.contrib.auth.models import Group

    moderators = Group.objects.get(name=permissions.MODERATOR_GROUP)
    assert Group.objects.filter(name=permissions.TRUSTED_GROUP).exists()
    assert moderators.permissions.filter(codename="view_auditlogentry").exists()


def test_role_functions(user, trusted, moderator, french_moderator, admin_user):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not permissions.is_signed_in(anonymous) and not permissions.can_flag(anonymous)
    assert permissions.can_flag(user) and not permissions.is_trusted(user)
    assert permissions.is_trusted(trusted) and not permissions.is_moderator(trusted)
    assert permissions.is_moderator(moderator) and permissions.is_global_moderator(moderator)
    assert permissions.can_moderate_country(moderator, None)
    assert permissions.is_moderator(french_moderator)
    assert not permissions.is_global_moderator(french_moderator)
    assert permissions.can_moderate_country(french_moderator, "FR")
    assert permissions.can_moderate_country(french_moderator, "fr")
    assert not permissions.can_moderate_country(french_moderator, "DE")
    assert not permissions.can_moderate_country(french_moderator, None)
    assert permissions.is_admin(admin_user) and permissions.can_moderate_country(admin_user, "DE")
    assert permissions.is_trusted(moderator)


def test_inactive_user_has_no_role():
    moderator = make_moderator(is_active=False)
    assert not permissions.is_moderator(moderator)


def test_roles_are_read_once_per_user_object(french_moderator):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            permissions.is_moderator(french_moderator)
            permissions.can_moderate_country(french_moderator, "FR")
    assert len(queries) == 2  # groups, scopes


def test_grant_and_revoke_trusted_are_audited(moderator, user):
    role_grant_trusted(actor=moderator, user=user, reason="Careful work")
    assert permissions.is_trusted(user)
    row = AuditLogEntry.objects.get()
    assert row.action == "role_change" and row.actor == moderator
    assert row.before["trusted"] is False and row.after["trusted"] is True
    assert row.target_label == user.username and row.reason == "Careful work"

    role_revoke_trusted(actor=moderator, user=user, reason="Vandalism")
    assert not permissions.is_trusted(user)
    assert AuditLogEntry.objects.count() == 2
    # A revoked user is not promoted again automatically.
    assert trust_recompute(user=user, accepted_count=100) is False
    assert not permissions.is_trusted(user)


def test_grant_trusted_needs_moderator(trusted, user):
    with pytest.raises(PermissionDenied):
        role_grant_trusted(actor=trusted, user=user, reason="Friend")
    assert not permissions.is_trusted(user)
    assert not AuditLogEntry.objects.exists()


def test_role_change_without_reason_is_refused(moderator, user):
    with pytest.raises(ValidationError, match="Give a reason"):
        role_grant_trusted(actor=moderator, user=user, reason="  ")
    assert not permissions.is_trusted(user)
    assert not AuditLogEntry.objects.exists()


def test_trust_recompute_promotes_at_threshold(user, settings):
    settings.MODERATION_TRUST_AFTER_ACCEPTED = 3
    assert trust_recompute(user=user, accepted_count=2) is False
    assert not AuditLogEntry.objects.exists()
    assert trust_recompute(user=user, accepted_count=3) is True
    assert permissions.is_trusted(user)
    row = AuditLogEntry.objects.get()
    assert row.actor is None and "3 accepted" in row.reason
    assert trust_recompute(user=user, accepted_count=4) is False  # idempotent
    assert AuditLogEntry.objects.count() == 1


def test_admin_appoints_scoped_then_global_moderator(admin_user, user):
    role_grant_moderator(actor=admin_user, user=user, countries=["fr", "DE"], reason="Volunteer")
    assert permissions.moderator_countries(user) == frozenset({"FR", "DE"})
    role_grant_moderator(
        actor=admin_user, user=user, countries=[], everywhere=True, reason="Promoted"
    )
    assert permissions.is_global_moderator(user)
    assert not ModeratorScope.objects.filter(user=user).exists()
    first, second = AuditLogEntry.objects.order_by("id")
    assert first.after == {"trusted": False, "moderator": True, "countries": ["DE", "FR"]}
    assert second.before["countries"] == ["DE", "FR"] and second.after["countries"] == []

    role_revoke_moderator(actor=admin_user, user=user, reason="Stepped down")
    assert not permissions.is_moderator(user)


def test_moderators_cannot_appoint_moderators(moderator, user):
    with pytest.raises(PermissionDenied):
        role_grant_moderator(actor=moderator, user=user, countries=[], reason="x")
    assert not permissions.is_moderator(user)
    assert not AuditLogEntry.objects.exists()


def test_bad_country_code_is_refused(admin_user, user):
    with pytest.raises(ValidationError, match="not a country code"):
        role_grant_moderator(actor=admin_user, user=user, countries=["XX"], reason="x")
    assert not permissions.is_moderator(user)
    assert not ModeratorScope.objects.exists()


def test_shadow_hide_and_selector(moderator, user, other_user):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    user_set_shadow_hidden(actor=moderator, user=user, hidden=True, reason="Spammer")
    assert selectors.is_shadow_hidden(user) and not selectors.is_shadow_hidden(other_user)
    row = AuditLogEntry.objects.get()
    assert row.action == "shadow_hide" and row.after == {"shadow_hidden": True}

    users = get_user_model().objects.all()
    # The user model itself stands in for "content with an author" here.
    assert user not in selectors.exclude_shadow_hidden(users, viewer=other_user, author_field="pk")
    assert user not in selectors.exclude_shadow_hidden(
        users, viewer=AnonymousUser(), author_field="pk"
    )
    assert user in selectors.exclude_shadow_hidden(users, viewer=user, author_field="pk")
    assert user in selectors.exclude_shadow_hidden(users, viewer=moderator, author_field="pk")


def test_premoderation_toggle(moderator, user):
    user_set_premoderation(actor=moderator, user=user, enabled=True, reason="New account spam")
    assert selectors.is_premoderated(user)
    with pytest.raises(ValidationError, match="Nothing to change"):
        user_set_premoderation(actor=moderator, user=user, enabled=True, reason="again")
    assert AuditLogEntry.objects.count() == 1


def test_measures_need_moderator_and_spare_moderators(user, other_user, moderator):
    with pytest.raises(PermissionDenied):
        user_set_shadow_hidden(actor=other_user, user=user, hidden=True, reason="x")
    with pytest.raises(ValidationError, match="is a moderator"):
        user_set_shadow_hidden(actor=make_moderator(), user=moderator, hidden=True, reason="x")
    assert not UserModerationState.objects.filter(shadow_hidden=True).exists()
    assert not AuditLogEntry.objects.exists()
