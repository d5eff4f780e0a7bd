"""The Django admin for annotations. Read-mostly: changes go through services
(moderators hide and restore in the UI).

Private annotations are their author's alone; the admin is the one place a superuser can
still read one (raw access for repairs), and every such read is written to the
moderation log ("Private content read in the admin": who, which note, when). Lists never
show a private note's text, searching text finds public annotations only, and staff who
are not superusers do not see other people's private notes at all."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from .models import Annotation, AnnotationAnchor, GroupMembership, ReadingGroup, Visibility

EXCERPT_LENGTH = 80


class AnchorInline(admin.TabularInline):
    model = AnnotationAnchor
    fields = ["document", "status", "score", "start", "end", "passage", "reattached_by", "updated"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def log_private_read(request, annotation: Annotation, *, page: str) -> None:
    """One audit row when someone other than its author opens a private annotation."""
    # A group's note is no more the site staff's than a private one.
    if annotation.visibility == Visibility.PUBLIC or annotation.author_id == request.user.pk:
        return
    from apps.moderation.models import AuditAction
    from apps.moderation.services import audit_record

    audit_record(
        actor=request.user,
        action=AuditAction.PRIVATE_READ,
        target=annotation,
        reason=_("Opened in the Django admin (%(page)s).") % {"page": page},
        after={"annotation": annotation.pk, "author": annotation.author_id},
    )


@admin.register(Annotation)
class AnnotationAdmin(SimpleHistoryAdmin):
    list_display = [
        "id", "source", "document", "author", "text", "motivation", "visibility", "hidden",
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
    # Text is searched in public annotations only (get_search_results).
    search_fields = ["author__username", "author__display_name", "source__title"]
    text_search_fields = ["body", "exact"]
    list_select_related = ["source", "document__source", "author"]
    raw_id_fields = ["parent", "thread", "passage", "document", "author", "source"]
    readonly_fields = ["body_html", "created", "modified"]
    date_hierarchy = "created"
    inlines = [AnchorInline]

    @admin.display(description=gettext_lazy("text"))
    def text(self, obj: Annotation) -> str:
        if obj.visibility == Visibility.PRIVATE:
            return _("private")
        if obj.visibility == Visibility.GROUP:
            return _("group")
        value = " ".join((obj.body or obj.exact or "").split())
        return value if len(value) <= EXCERPT_LENGTH else value[: EXCERPT_LENGTH - 1] + "…"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(Q(visibility=Visibility.PUBLIC) | Q(author=request.user))

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            text = Q()
            for field in self.text_search_fields:
                for word in search_term.split():
                    text |= Q(**{f"{field}__icontains": word})
            results = results | queryset.filter(text, visibility=Visibility.PUBLIC)
        return results, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        annotation = self.get_object(request, object_id)
        if annotation is not None:
            log_private_read(request, annotation, page=_("change page"))
        return super().change_view(request, object_id, form_url, extra_context)

    def _history_object(self, request, object_id, page: str):
        # simple-history's views load rows without get_queryset: hold them to it here.
        annotation = self.get_object(request, object_id)
        if annotation is None and not request.user.is_superuser:
            raise Http404(_("No such annotation."))
        if annotation is not None:
            log_private_read(request, annotation, page=page)

    def history_view(self, request, object_id, extra_context=None):
        self._history_object(request, object_id, _("history"))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._history_object(request, object_id, _("an old version"))
        return super().history_form_view(request, object_id, version_id, extra_context)


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ["user", "role", "joined"]
    readonly_fields = ["joined"]
    raw_id_fields = ["user"]
    extra = 0


@admin.register(ReadingGroup)
class ReadingGroupAdmin(admin.ModelAdmin):
    """Repairs only (an ownerless group, a role). The invite token is not shown: an
    admin who needs to let someone in adds them as a member."""

    list_display = ["name", "slug", "access", "created"]
    search_fields = ["name", "slug"]
    list_filter = ["access"]
    exclude = ["invite_token"]
    readonly_fields = ["created_by"]
    inlines = [MembershipInline]
