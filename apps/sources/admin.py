from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Document, Passage, Source


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ["version", "status", "import_format", "original_filename", "created_by", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

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
    inlines = [DocumentInline]


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
    # break passage offsets and annotation anchors.
    readonly_fields = [
        "source", "version", "status", "error", "import_format", "original_filename", "text",
        "front_matter", "content_hash", "created_by", "created", "import_started",
        "import_finished", "attempts",
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
