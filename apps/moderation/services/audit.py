"""The audit log: every moderation action writes exactly one row with ``audit_record``."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils.translation import gettext as _

from ..models import AuditLogEntry, ReviewItem
from ..registry import adapter_for


def _json_safe(value: Any) -> Any:
    """Before/after values go through Django's encoder (dates, decimals, UUIDs) once, so
    what is stored is exactly what the CSV and API later show."""
    import json

    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def describe_target(target: models.Model | None) -> dict:
    """Content type, id, label, URL and country of ``target`` for a log row. A review
    item stands for its target (the log shows what was reviewed, not the queue row)."""
    if target is None:
        return {}
    if isinstance(target, ReviewItem):
        return {
            "target_content_type": target.content_type,
            "target_object_id": target.object_id,
            "target_label": target.target_label,
            "target_url": target.target_url,
            "country": target.country or "",
        }
    adapter = adapter_for(target)
    if adapter is not None:
        label, url, country = adapter.label(target), adapter.url(target), adapter.country(target)
    else:
        get_url = getattr(target, "get_absolute_url", None)
        label, url, country = str(target), get_url() if get_url else "", None
    return {
        "target_content_type": ContentType.objects.get_for_model(target),
        "target_object_id": str(target.pk),
        "target_label": label[:300],
        "target_url": (url or "")[:500],
        "country": country or "",
    }


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    country: str | None = None,
) -> AuditLogEntry:
    """Append one row to the audit log. ``actor`` None means the system did it.

    The caller has already checked permissions; this only records. Raises
    ValidationError for an unknown action.
    """
    fields = describe_target(target)
    if country is not None:
        fields["country"] = country
    entry = AuditLogEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        reason=reason or "",
        before=_json_safe(before),
        after=_json_safe(after),
        **fields,
    )
    entry.full_clean(exclude=["actor", "target_content_type"])
    entry.save()
    return entry


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is shown to the people concerned and kept in the log.")}
        )
    return reason
