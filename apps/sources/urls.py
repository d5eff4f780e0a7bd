from django.urls import path

from . import api, views

app_name = "sources"

urlpatterns = [
    path("", views.source_list, name="list"),
    path("add/", views.source_add, name="add"),
    path("imports/<int:document_id>/", views.import_status, name="import_status"),
    path("<slug:slug>/", views.reader, name="reader"),
    path("<slug:slug>/versions/<int:version>/", views.reader, name="reader_version"),
    path("<slug:slug>/versions/new/", views.version_add, name="version_add"),
]

api_urlpatterns = [
    path("sources/", api.SourceListAPI.as_view(), name="api-source-list"),
    path("sources/<slug:slug>/", api.SourceDetailAPI.as_view(), name="api-source-detail"),
    path(
        "sources/<slug:slug>/versions/<int:version>/",
        api.SourceVersionAPI.as_view(),
        name="api-source-version",
    ),
]
