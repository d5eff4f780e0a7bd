"""The audit log is append-only: through the app, the admin and (on PostgreSQL) raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from apps.moderation.models import AppendOnlyError, AuditAction, AuditLogEntry
from apps.moderation.services import audit_record
from tests.conftest import require
from tests.factories import SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(user):
    source = SourceFactory(title="A report on scores")
    return audit_record(
        actor=user,
        action=AuditAction.HIDE,
        target=source,
        reason="Spam links",
        before={"hidden": False},
        after={"hidden": True},
    )


def test_audit_record_snapshots_actor_and_target(entry, user):
    entry.refresh_from_db()
    assert entry.actor == user
    assert entry.actor_name == user.username
    assert entry.target_label == "A report on scores"
    assert entry.target_url.startswith("/sources/")
    assert entry.before == {"hidden": False} and entry.after == {"hidden": True}
    assert entry.reason == "Spam links"


def test_audit_record_without_actor_is_the_system(db):
    entry = audit_record(actor=None, action=AuditAction.ROLE_CHANGE, target=None, reason="x")
    assert entry.actor is None and entry.actor_name == ""


def test_save_of_existing_row_is_refused(entry):
    entry.reason = "Rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    entry.refresh_from_db()
    assert entry.reason == "Spam links"


def test_delete_of_row_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "operation",
    [
        lambda qs: qs.update(reason="Rewritten"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["reason"]),
        lambda qs: AuditLogEntry.objects.update_or_create(pk=qs.first().pk, defaults={}),
    ],
    ids=["update", "delete", "bulk_update", "update_or_create"],
)
def test_queryset_changes_are_refused(entry, operation):
    with pytest.raises(AppendOnlyError):
        operation(AuditLogEntry.objects.all())
    entry.refresh_from_db()
    assert entry.reason == "Spam links"
    assert AuditLogEntry.objects.count() == 1


@pytest.fixture
def admin_client_(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_lists_and_shows_but_cannot_add(admin_client_, entry):
    assert (
        admin_client_.get(reverse("admin:moderation_auditlogentry_changelist")).status_code == 200
    )
    assert admin_client_.get(reverse("admin:moderation_auditlogentry_add")).status_code == 403


def test_admin_change_form_is_read_only(admin_client_, entry):
    url = reverse("admin:moderation_auditlogentry_change", args=[entry.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert b'name="reason"' not in page.content  # shown, not editable
    response = admin_client_.post(url, {"reason": "Rewritten", "action": "hide"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "Spam links"


def test_admin_cannot_delete(admin_client_, entry):
    url = reverse("admin:moderation_auditlogentry_delete", args=[entry.pk])
    assert admin_client_.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:moderation_auditlogentry_changelist")
    response = admin_client_.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
    assert response.status_code in (200, 302)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE moderation_auditlogentry SET reason = 'Rewritten' WHERE id = %s",
        "DELETE FROM moderation_auditlogentry WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_update_and_delete_are_refused_by_postgresql(entry, sql):
    require(connection.vendor == "postgresql", "the append-only trigger exists on PostgreSQL only")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "Spam links"
