from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "country",
        "affiliation",
        "is_staff",
        "date_joined",
    ]
    list_filter = [*BaseUserAdmin.list_filter, "country"]
    search_fields = ["username", "email", "display_name", "affiliation", "orcid"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "affiliation",
                    "country",
                    "orcid",
                    "bio",
                    "email_notifications",
                ]
            },
        ),
    ]
