"""Admin views of the coding app: read-mostly (writes go through the services)."""

from django.contrib import admin

from . import models


@admin.register(models.CodebookVersion)
class CodebookVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "created", "created_by", "reason"]
    readonly_fields = ["number", "dimensions", "required_citations", "reason", "created_by"]

    def has_add_permission(self, request):  # a change needs services.codebook_change
        return False


@admin.register(models.ValueCitation)
class ValueCitationAdmin(admin.ModelAdmin):
    list_display = ["example", "field", "since_version", "replaced_at", "anchor_status"]
    list_filter = ["anchor_status", "field"]
    raw_id_fields = ["example", "coding", "author", "evidence", "document", "passage"]


@admin.register(models.CodingRequest)
class CodingRequestAdmin(admin.ModelAdmin):
    list_display = ["example", "status", "created", "requested_by", "reconciled_by"]
    list_filter = ["status"]
    raw_id_fields = ["example", "requested_by", "reconciled_by"]


@admin.register(models.Coding)
class CodingAdmin(admin.ModelAdmin):
    list_display = ["request", "coder", "submitted_at"]
    raw_id_fields = ["request", "coder"]
