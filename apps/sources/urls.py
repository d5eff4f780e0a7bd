from django.urls import path

from . import add_views, details_views, translation_views, views
from .api import diff as diff_api
from .api import sources as source_api
from .api import stewardship as stewardship_api
from .api import translations as translation_api

app_name = "sources"

urlpatterns = [
    path("", views.source_list, name="list"),
    path("add/", add_views.source_add, name="add"),
    path("add/<uuid:pending_id>/", add_views.source_add_details, name="add_details"),
    path("add/<uuid:pending_id>/abandon/", add_views.source_add_abandon, name="add_abandon"),
    path("imports/<int:document_id>/", views.import_status, name="import_status"),
    path("<slug:slug>/", views.reader, name="reader"),
    path("<slug:slug>/diff/", views.diff, name="diff"),
    path("<slug:slug>/details/", details_views.source_details_edit, name="details_edit"),
    path("<slug:slug>/maintainers/add/", views.maintainer_add, name="maintainer_add"),
    path("<slug:slug>/maintainers/remove/", views.maintainer_remove, name="maintainer_remove"),
    path("<slug:slug>/versions/<int:version>/", views.reader, name="reader_version"),
    path(
        "<slug:slug>/versions/<int:version>/personal/",
        views.reader_personal,
        name="reader_personal",
    ),
    path("<slug:slug>/versions/<int:version>/accept/", views.version_accept, name="version_accept"),
    path("<slug:slug>/versions/<int:version>/reject/", views.version_reject, name="version_reject"),
    path(
        "<slug:slug>/versions/<int:version>/withdraw/",
        views.version_withdraw,
        name="version_withdraw",
    ),
    path("<slug:slug>/versions/new/", views.version_add, name="version_add"),
    path(
        "<slug:slug>/translations/new/",
        translation_views.translation_add,
        name="translation_add",
    ),
    path(
        "<slug:slug>/translations/<str:language>/alignment/",
        translation_views.alignment_edit,
        name="alignment_edit",
    ),
]

api_urlpatterns = [
    path("sources/", source_api.SourceListAPI.as_view(), name="api-source-list"),
    path(
        "sources/imports/<int:document_id>/",
        source_api.ImportStatusAPI.as_view(),
        name="api-source-import-status",
    ),
    path("sources/<slug:slug>/", source_api.SourceDetailAPI.as_view(), name="api-source-detail"),
    path("sources/<slug:slug>/diff/", diff_api.SourceDiffAPI.as_view(), name="api-source-diff"),
    path(
        "sources/<slug:slug>/translations/<str:language>/",
        translation_api.TranslationAlignmentAPI.as_view(),
        name="api-source-translation",
    ),
    path(
        "sources/<slug:slug>/maintainers/",
        stewardship_api.MaintainerListAPI.as_view(),
        name="api-source-maintainers",
    ),
    path(
        "sources/<slug:slug>/maintainers/<str:username>/",
        stewardship_api.MaintainerDetailAPI.as_view(),
        name="api-source-maintainer",
    ),
    path(
        "sources/<slug:slug>/versions/",
        source_api.SourceVersionListAPI.as_view(),
        name="api-source-versions",
    ),
    path(
        "sources/<slug:slug>/versions/<int:version>/",
        source_api.SourceVersionAPI.as_view(),
        name="api-source-version",
    ),
    path(
        "sources/<slug:slug>/versions/<int:version>/<str:action>/",
        stewardship_api.VersionDecisionAPI.as_view(),
        name="api-source-version-decision",
    ),
]
