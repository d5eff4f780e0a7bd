from django.urls import path

from . import api, comments_api, history_api, history_views, suggestions_api, views

app_name = "atlas"

urlpatterns = [
    path("", views.atlas_map, name="map"),
    path("examples/new/", views.example_new, name="example_new"),
    path("examples/similar/", views.similar_hint, name="similar_hint"),
    path("examples/<int:pk>/transition/", views.example_transition, name="example_transition"),
    # Before the entry page: "merge" would otherwise read as a slug (see RESERVED_SLUGS).
    path("examples/<int:pk>/merge/", history_views.example_merge, name="example_merge"),
    path(
        "examples/<int:pk>/restore/<int:history_id>/",
        history_views.example_restore,
        name="example_restore",
    ),
    path("examples/<int:pk>/", views.example_detail, name="example_short"),
    path("examples/<int:pk>/<slug:slug>/", views.example_detail, name="example"),
    path("examples/<int:pk>/<slug:slug>/edit/", views.example_edit, name="example_edit"),
    path("examples/<int:pk>/<slug:slug>/suggest/", views.example_suggest, name="example_suggest"),
    path(
        "examples/<int:pk>/<slug:slug>/history/",
        history_views.example_history,
        name="example_history",
    ),
    path("merges/<int:pk>/undo/", history_views.merge_undo, name="merge_undo"),
    path("comments/<int:pk>/restore/", history_views.comment_restore, name="comment_restore"),
    path("suggestions/<int:pk>/decide/", views.suggestion_decide, name="suggestion_decide"),
    path("comments/on/<int:pk>/", views.comment_post, name="comment_post"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
    path("countries/<str:code>/", views.country, name="country"),
    path("compare/", views.compare, name="compare"),
    path("compare.csv", views.compare_csv, name="compare_csv"),
    path("codebook/", views.codebook, name="codebook"),
]

api_urlpatterns = [
    path("examples/", api.ExampleListCreateAPI.as_view(), name="api-example-list"),
    path("examples/export.csv", api.ExportCsvAPI.as_view(), name="api-example-export-csv"),
    path(
        "examples/export.geojson", api.ExportGeoJsonAPI.as_view(), name="api-example-export-geojson"
    ),
    path("examples/export.jsonld", api.ExportJsonLdAPI.as_view(), name="api-example-export-jsonld"),
    path("examples/<int:pk>/", api.ExampleDetailAPI.as_view(), name="api-example-detail"),
    path(
        "examples/<int:pk>/merge/", history_api.ExampleMergeAPI.as_view(), name="api-example-merge"
    ),
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
    path("merges/<int:pk>/undo/", history_api.MergeUndoAPI.as_view(), name="api-merge-undo"),
    path(
        "examples/<int:pk>/comments/",
        comments_api.CommentListCreateAPI.as_view(),
        name="api-example-comments",
    ),
    path("comments/<int:pk>/", comments_api.CommentDetailAPI.as_view(), name="api-comment"),
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
    path("comments/<int:pk>/hide/", comments_api.CommentHideAPI.as_view(), name="api-comment-hide"),
    path(
        "examples/<int:pk>/transition/",
        api.ExampleTransitionAPI.as_view(),
        name="api-example-transition",
    ),
    path("atlas/countries/", api.CountryListAPI.as_view(), name="api-atlas-countries"),
    path("atlas/countries/<str:code>/", api.CountryDetailAPI.as_view(), name="api-atlas-country"),
]
