from django.urls import path

from . import api, views

app_name = "releases"

# Mounted at /atlas/releases/ by project/urls.py (before the atlas's own patterns).
urlpatterns = [
    path("", views.release_list, name="list"),
    path("new/", views.release_new, name="new"),
    path("<str:version>/", views.release_detail, name="detail"),
    path("<str:version>/retry/", views.release_retry, name="retry"),
    path("<str:version>/doi/", views.release_doi, name="doi"),
]

api_urlpatterns = [
    path("releases/", api.ReleaseListCreateAPI.as_view(), name="api-release-list"),
    path("releases/<str:version>/", api.ReleaseDetailAPI.as_view(), name="api-release-detail"),
    path("releases/<str:version>/progress/", api.release_progress, name="api-release-progress"),
    path("releases/<str:version>/files/<str:name>", api.release_file, name="api-release-file"),
]
