from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from apps.common.markdown import render_markdown

from .cache import bump_generation
from .entries import transitions
from .models import (
    Category,
    CountryResearchStatus,
    EntryComment,
    Evidence,
    Example,
    ExampleContributor,
    PassageLink,
    Status,
    SuggestedEdit,
)


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    """One name and description field per interface language (apps/atlas/translation.py)."""

    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class EvidenceInline(admin.StackedInline):
    model = Evidence
    extra = 0
    fields = [
        ("title", "order"), ("url", "doi", "source"), ("publisher", "published", "accessed", "page"),
        "quote",
    ]  # fmt: skip
    autocomplete_fields = ["source"]


class PassageLinkInline(admin.TabularInline):
    model = PassageLink
    extra = 0
    fields = ["passage", "relation", "note"]
    raw_id_fields = ["passage"]


class ContributorInline(admin.TabularInline):
    """Who is credited (apps/atlas/contributors.py writes these; an admin may correct a
    credit, e.g. remove a spam account's)."""

    model = ExampleContributor
    extra = 0
    fields = ["user", "role", "since", "merge"]
    raw_id_fields = ["user"]
    readonly_fields = ["merge"]


@admin.register(Example)
class ExampleAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "country",
        "scope",
        "category",
        "status",
        "author",
        "version",
        "modified",
    ]
    list_filter = ["status", "category", "scope", "lifecycle", "operator", "confidence", "country"]
    search_fields = ["title", "summary", "region", "author__username", "author__display_name"]
    readonly_fields = ["summary_html", "version", "published_at", "created", "modified"]
    list_select_related = ["category", "author"]
    raw_id_fields = ["author"]
    inlines = [EvidenceInline, PassageLinkInline, ContributorInline]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "status", "status_reason", "author"]}),
        (_("Place"), {"fields": ["country", "scope", "region", "category"]}),
        (
            _("Dimensions"),
            {
                "fields": [
                    "operator",
                    "scored",
                    "data_sources",
                    "consequences",
                    "transparency",
                    "contestable",
                    "legal_basis",
                    "legal_note",
                    "lifecycle",
                    ("start_year", "end_year"),
                    "confidence",
                ]
            },
        ),  # fmt: skip
        (
            _("Record"),
            {"fields": ["summary_html", "version", "published_at", "created", "modified"]},
        ),
    ]

    def save_model(self, request, obj, form, change):
        # The admin edits rows directly (a trusted escape hatch): keep the derived fields
        # and the cached aggregates as the services would.
        obj.summary_html = render_markdown(obj.summary)
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)
        bump_generation()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        bump_generation()

    @admin.action(description=_("Publish the selected submitted entries"))
    def publish(self, request, queryset):
        published, refused = 0, []
        for example in queryset:
            try:
                transitions.example_transition(
                    actor=request.user, example=example, to=Status.PUBLISHED, reason=""
                )
                published += 1
            except (ValidationError, PermissionDenied) as exc:
                refused.append(f"{example}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if published:
            self.message_user(
                request,
                ngettext("Published %d entry.", "Published %d entries.", published) % published,
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, line, messages.WARNING)


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "example", "publisher", "published", "accessed"]
    search_fields = ["title", "url", "doi", "publisher", "example__title"]
    list_select_related = ["example"]
    raw_id_fields = ["example"]


@admin.register(PassageLink)
class PassageLinkAdmin(SimpleHistoryAdmin):
    list_display = ["example", "relation", "passage"]
    list_filter = ["relation"]
    search_fields = ["example__title", "passage__text", "note"]
    list_select_related = ["example", "passage"]
    raw_id_fields = ["example", "passage"]


@admin.register(CountryResearchStatus)
class CountryResearchStatusAdmin(admin.ModelAdmin):
    list_display = ["country", "category", "status", "set_by", "modified"]
    list_filter = ["status", "category", "country"]
    search_fields = ["note", "category__name"]
    list_select_related = ["category", "set_by"]

    # Read-only here: country moderators set and clear it on the country page or through
    # the API, with a reason, and each change is audit-logged (research_status/services.py).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    raw_id_fields = ["set_by"]

    def save_model(self, request, obj, form, change):
        if not obj.set_by_id:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)
        bump_generation()


@admin.register(SuggestedEdit)
class SuggestedEditAdmin(admin.ModelAdmin):
    """Read-only: suggestions are decided on the entry page (services keep the entry's
    version check and history), never by editing rows here."""

    list_display = ["pk", "example", "proposer", "status", "created", "decided_by"]
    list_filter = ["status"]
    search_fields = ["example__title", "comment", "reason", "proposer__username"]
    list_select_related = ["example", "proposer", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EntryComment)
class EntryCommentAdmin(admin.ModelAdmin):
    """For looking things up; hiding and deleting go through the entry page (services)."""

    list_display = ["pk", "example", "author", "created", "hidden", "deleted_at"]
    list_filter = ["hidden"]
    search_fields = ["body", "example__title", "author__username"]
    list_select_related = ["example", "author"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
