from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Document, Passage, Source, SourceMaintainer


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ["version", "status", "import_format", "original_filename", "created_by", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class MaintainerInline(admin.TabularInline):
    """Read-only: maintainers are named on the source's page (or its API), which logs the
    change in the moderation log; an edit here would not be logged."""

    model = SourceMaintainer
    fields = ["user", "added_by", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "maintainers (change them on the source's page: logged)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "year", "source_type", "licence", "added_by", "created"]
    list_filter = ["source_type", "year", "language"]
    search_fields = ["title", "slug", "authors", "doi", "venue"]
    # Nullable foreign keys are not joined automatically: one query per row otherwise.
    list_select_related = ["added_by"]
    readonly_fields = ["current_document", "added_by", "created", "modified"]
    inlines = [MaintainerInline, DocumentInline]


class PassageInline(admin.TabularInline):
    model = Passage
    fields = ["order", "kind", "section", "text", "start", "end", "anchor"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["source", "version", "status", "import_format", "created_by", "created"]
    list_filter = ["status", "import_format"]
    search_fields = ["source__title", "original_filename", "content_hash"]
    list_select_related = ["source", "created_by"]
    # Text, offsets and versions are produced by the importer; editing them by hand would
    # break passage offsets and annotation anchors. Status and the stewardship fields
    # change through the services (accept, reject, withdraw), which keep the log.
    readonly_fields = [
        "source", "version", "status", "error", "import_format", "original_filename", "text",
        "front_matter", "content_hash", "created_by", "created", "import_started",
        "import_finished", "attempts", "is_proposal", "base_document", "published_at",
        "decided_by", "decided_at", "decision_reason",
    ]  # fmt: skip
    inlines = [PassageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ["document", "order", "kind", "anchor", "section"]
    list_filter = ["kind"]
    search_fields = ["text", "anchor", "section"]
    readonly_fields = ["document", "order", "kind", "section", "text", "start", "end", "anchor"]

    def has_add_permission(self, request):
        return False
