"""Private means private (issue 12): close the open review items of private annotations.

Re-anchoring used to open an *orphaned annotation* item for a private note too, showing
moderators its quote; and an annotation made private kept its open flag or approval
items. Each such item closes as "hide" by the system (nobody but the author can see the
note, so nothing is left to review), its copied label and summary are replaced by a
label that names no text, open flags on it are resolved as agreed, and the log gets one
row per item (as ``moderation.services.review_items_close_as_private`` does from now on).

Reversing does nothing: a closed item is not reopened.
"""

from django.db import migrations
from django.utils import timezone

REASON = "Private annotation: nobody but its author can see it, so nothing is left to review."


def close_open_review_items_of_private_annotations(apps, schema_editor=None) -> int:
    """Returns how many items were closed (for the test)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Annotation = apps.get_model("annotations", "Annotation")
    ReviewItem = apps.get_model("moderation", "ReviewItem")
    Flag = apps.get_model("moderation", "Flag")
    AuditLogEntry = apps.get_model("moderation", "AuditLogEntry")
    content_type = ContentType.objects.filter(app_label="annotations", model="annotation").first()
    if content_type is None:  # a fresh database: no items yet
        return 0
    items = list(ReviewItem.objects.filter(content_type=content_type, status="open"))
    private = {
        str(pk): (pk, title)
        for pk, title in Annotation.objects.filter(
            pk__in=[int(item.object_id) for item in items if item.object_id.isdigit()],
            visibility="private",
        ).values_list("pk", "source__title")
    }
    now = timezone.now()
    closed = 0
    for item in items:
        if item.object_id not in private:
            continue
        pk, title = private[item.object_id]
        label = f"Private annotation #{pk} on “{title}”"[:300]
        item.status = "decided"
        item.decision = "hide"
        item.reason = REASON
        item.decided_by = None
        item.decided_at = now
        item.target_label = label
        item.summary = ""
        item.target_snapshot = None
        item.claimed_by = None
        item.claimed_at = None
        item.save()
        resolved = Flag.objects.filter(review_item=item, status="open").update(
            status="agreed", resolved_at=now
        )
        after = {"review_item": item.pk, "status": "decided", "decision": "hide"}
        after["made_private"] = True
        if item.item_type == "flag":
            after["flags"] = {"resolved_as": "agreed", "count": resolved}
        AuditLogEntry.objects.create(
            actor=None,
            actor_name="",
            action="decision",
            target_content_type_id=item.content_type_id,
            target_object_id=item.object_id,
            target_label=label,
            target_url=item.target_url,
            country=item.country or "",
            reason=REASON,
            before={"review_item": item.pk, "status": "open"},
            after=after,
        )
        closed += 1
    return closed


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0003_notification_email_pending"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("moderation", "0009_review_item_version"),
    ]

    operations = [
        migrations.RunPython(
            close_open_review_items_of_private_annotations, migrations.RunPython.noop
        ),
    ]
