from django.urls import path

from . import reader, views
from .api import exports as export_api
from .api import groups as group_api
from .api import tags as tag_api
from .api import views as annotation_api

app_name = "annotations"

urlpatterns = [
    path("a/<int:pk>/", views.annotation_share, name="share"),
    path("reader/legend/", views.legend, name="legend"),
    path("reader/<int:document_id>/threads.json", reader.public_threads, name="reader_threads"),
    path("reader/<int:document_id>/mine.json", reader.mine, name="reader_mine"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groups/<slug:slug>/join/<str:token>/", views.group_join, name="group_join"),
    path("groups/<slug:slug>/delete/", views.group_delete, name="group_delete"),
]

api_urlpatterns = [
    path("groups/", group_api.GroupListAPI.as_view(), name="api-group-list"),
    path("groups/<slug:slug>/", group_api.GroupDetailAPI.as_view(), name="api-group-detail"),
    path(
        "groups/<slug:slug>/members/",
        group_api.GroupMembersAPI.as_view(),
        name="api-group-members",
    ),
    path("groups/<slug:slug>/invite/", group_api.GroupInviteAPI.as_view(), name="api-group-invite"),
    path("annotations/", annotation_api.AnnotationListAPI.as_view(), name="api-annotation-list"),
    path("annotations/tags/", tag_api.TagSuggestAPI.as_view(), name="api-annotation-tags"),
    path(
        "annotations/preview/",
        annotation_api.AnnotationPreviewAPI.as_view(),
        name="api-annotation-preview",
    ),
    path(
        "annotations/<int:pk>/",
        annotation_api.AnnotationDetailAPI.as_view(),
        name="api-annotation-detail",
    ),
    path(
        "annotations/<int:pk>/hide/",
        annotation_api.AnnotationModerateAPI.as_view(moderation_action="hide"),
        name="api-annotation-hide",
    ),
    path(
        "annotations/<int:pk>/restore/",
        annotation_api.AnnotationModerateAPI.as_view(moderation_action="restore"),
        name="api-annotation-restore",
    ),
    path(
        "annotations/<int:pk>/reattach/",
        annotation_api.AnnotationReattachAPI.as_view(),
        name="api-annotation-reattach",
    ),
    path(
        "sources/<slug:slug>/annotations.jsonld",
        export_api.SourceAnnotationExportAPI.as_view(export_format="jsonld"),
        name="api-source-annotations-jsonld",
    ),
    path(
        "sources/<slug:slug>/annotations.csv",
        export_api.SourceAnnotationExportAPI.as_view(export_format="csv"),
        name="api-source-annotations-csv",
    ),
]
