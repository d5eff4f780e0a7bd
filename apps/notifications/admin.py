from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created", "recipient", "kind", "verb", "target_label", "read_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "target_label")
    raw_id_fields = ("recipient", "actor")
    readonly_fields = ("subject_type", "subject_id", "created", "emailed_at")
