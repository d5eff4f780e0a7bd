from django.contrib import admin

from .models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Read-only: releases are cut on /atlas/releases/new/ and never edited (ADR 0009)."""

    list_display = ["version", "title", "status", "entry_count", "created_at", "doi"]
    list_filter = ["status"]
    readonly_fields = [
        f.name for f in Release._meta.fields if f.name not in ("codebook", "csv_header", "coding")
    ]
    exclude = ["codebook", "csv_header", "coding"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
