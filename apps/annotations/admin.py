from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Annotation, AnnotationAnchor, Notification


class AnchorInline(admin.TabularInline):
    model = AnnotationAnchor
    fields = ["document", "status", "score", "start", "end", "passage", "reattached_by", "updated"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    """Read-mostly: changes go through services (moderators hide/restore in the UI)."""

    list_display = [
        "id", "source", "document", "author", "motivation", "visibility", "hidden",
        "deleted_at", "created",
    ]  # fmt: skip
    list_filter = [
        "motivation",
        "visibility",
        "hidden",
        "edited",
        ("deleted_at", admin.EmptyFieldListFilter),
        "source",
    ]
    search_fields = ["body", "exact", "author__username", "author__display_name", "source__title"]
    list_select_related = ["source", "document__source", "author"]
    raw_id_fields = ["parent", "thread", "passage", "document", "author", "source"]
    readonly_fields = ["body_html", "created", "modified"]
    date_hierarchy = "created"
    inlines = [AnchorInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "recipient",
        "actor",
        "kind",
        "annotation",
        "created",
        "read_at",
        "emailed_at",
        "email_pending",
    ]
    # Pending and older than a few minutes: the e-mail job was lost (docs/annotations.md).
    list_filter = ["kind", "email_pending"]
    search_fields = ["recipient__username", "actor__username"]
    raw_id_fields = ["recipient", "actor", "annotation"]
