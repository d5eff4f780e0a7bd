from django.contrib import admin

from .models import AuditLogEntry


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, so nobody may add, change or delete here."""

    list_display = ["created", "actor_name", "action", "target_label", "country", "reason"]
    list_filter = ["action", "country"]
    search_fields = ["actor_name", "target_label", "reason"]
    date_hierarchy = "created"
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
