from django.urls import path

from .aggregates import api as aggregates_api
from .aggregates import compare_views
from .aggregates import views as aggregates_views
from .discussion import api as discussion_api
from .discussion import views as discussion_views
from .entries import api as entries_api
from .entries import views as entries_views
from .exports import api as exports_api
from .history import api as history_api
from .history import views as history_views
from .imports import views as imports_views
from .lifecycle import api as lifecycle_api
from .lifecycle import views as lifecycle_views
from .merge import api as merge_api
from .merge import views as merge_views
from .research_status import api as research_status_api
from .research_status import views as research_status_views
from .suggestions import api as suggestions_api
from .suggestions import views as suggestions_views

app_name = "atlas"

urlpatterns = [
    path("", aggregates_views.atlas_map, name="map"),
    path("embed/", aggregates_views.embed, name="embed"),
    path("examples/new/", entries_views.example_new, name="example_new"),
    path("examples/similar/", entries_views.similar_hint, name="similar_hint"),
    path(
        "examples/<int:pk>/transition/",
        entries_views.example_transition,
        name="example_transition",
    ),
    # Before the entry page: "merge" would otherwise read as a slug (see RESERVED_SLUGS).
    path("examples/<int:pk>/merge/", merge_views.example_merge, name="example_merge"),
    path(
        "examples/<int:pk>/restore/<int:history_id>/",
        history_views.example_restore,
        name="example_restore",
    ),
    path(
        "examples/<int:pk>/lifecycle/", lifecycle_views.example_lifecycle, name="example_lifecycle"
    ),
    path("examples/<int:pk>/", entries_views.example_detail, name="example_short"),
    path("examples/personal/<int:pk>/", entries_views.example_personal, name="example_personal"),
    path(
        "examples/personal/<int:pk>/history/",
        history_views.example_history_personal,
        name="example_history_personal",
    ),
    path("examples/<int:pk>/<slug:slug>/", entries_views.example_detail, name="example"),
    path("examples/<int:pk>/<slug:slug>/edit/", entries_views.example_edit, name="example_edit"),
    path(
        "examples/<int:pk>/<slug:slug>/suggest/",
        suggestions_views.example_suggest,
        name="example_suggest",
    ),
    path(
        "examples/<int:pk>/<slug:slug>/history/",
        history_views.example_history,
        name="example_history",
    ),
    path("merges/<int:pk>/undo/", merge_views.merge_undo, name="merge_undo"),
    path("comments/<int:pk>/restore/", discussion_views.comment_restore, name="comment_restore"),
    path(
        "suggestions/<int:pk>/decide/",
        suggestions_views.suggestion_decide,
        name="suggestion_decide",
    ),
    path("comments/on/<int:pk>/", discussion_views.comment_post, name="comment_post"),
    path("comments/<int:pk>/delete/", discussion_views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", discussion_views.comment_hide, name="comment_hide"),
    path("countries/<str:code>/", aggregates_views.country, name="country"),
    path(
        "countries/<str:code>/research/",
        research_status_views.research_status_set,
        name="research_status_set",
    ),
    path("compare/", compare_views.compare, name="compare"),
    path("compare.csv", compare_views.compare_csv, name="compare_csv"),
    path("compare.json", compare_views.compare_json, name="compare_json"),
    path("codebook/", compare_views.codebook, name="codebook"),
    path("import/", imports_views.import_entries, name="import"),
]

api_urlpatterns = [
    path("examples/", entries_api.ExampleListCreateAPI.as_view(), name="api-example-list"),
    path("examples/export.csv", exports_api.ExportCsvAPI.as_view(), name="api-example-export-csv"),
    path(
        "examples/export.geojson",
        exports_api.ExportGeoJsonAPI.as_view(),
        name="api-example-export-geojson",
    ),
    path(
        "examples/export.jsonld",
        exports_api.ExportJsonLdAPI.as_view(),
        name="api-example-export-jsonld",
    ),
    path("examples/<int:pk>/", entries_api.ExampleDetailAPI.as_view(), name="api-example-detail"),
    path("examples/<int:pk>/merge/", merge_api.ExampleMergeAPI.as_view(), name="api-example-merge"),
    path(
        "examples/<int:pk>/restore/",
        history_api.ExampleRestoreAPI.as_view(),
        name="api-example-restore",
    ),
    path(
        "examples/<int:pk>/history/",
        history_api.ExampleHistoryAPI.as_view(),
        name="api-example-history",
    ),
    path("merges/<int:pk>/undo/", merge_api.MergeUndoAPI.as_view(), name="api-merge-undo"),
    path(
        "examples/<int:pk>/lifecycle/",
        lifecycle_api.LifecycleEventListAPI.as_view(),
        name="api-example-lifecycle",
    ),
    path(
        "examples/<int:pk>/lifecycle/<int:event_id>/",
        lifecycle_api.LifecycleEventDetailAPI.as_view(),
        name="api-example-lifecycle-event",
    ),
    path(
        "examples/<int:pk>/comments/",
        discussion_api.CommentListCreateAPI.as_view(),
        name="api-example-comments",
    ),
    path("comments/<int:pk>/", discussion_api.CommentDetailAPI.as_view(), name="api-comment"),
    path(
        "examples/<int:pk>/suggestions/",
        suggestions_api.SuggestionListCreateAPI.as_view(),
        name="api-example-suggestions",
    ),
    path(
        "suggestions/<int:pk>/decide/",
        suggestions_api.SuggestionDecideAPI.as_view(),
        name="api-suggestion-decide",
    ),
    path(
        "comments/<int:pk>/hide/",
        discussion_api.CommentHideAPI.as_view(),
        name="api-comment-hide",
    ),
    path(
        "examples/<int:pk>/transition/",
        entries_api.ExampleTransitionAPI.as_view(),
        name="api-example-transition",
    ),
    path("atlas/countries/", aggregates_api.CountryListAPI.as_view(), name="api-atlas-countries"),
    path(
        "atlas/countries/<str:code>/",
        aggregates_api.CountryDetailAPI.as_view(),
        name="api-atlas-country",
    ),
    path(
        "atlas/countries/<str:code>/research/",
        research_status_api.ResearchStatusAPI.as_view(),
        name="api-atlas-research-status",
    ),
]
