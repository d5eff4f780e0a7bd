from django.urls import path

from . import api, history_views, views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:item_id>/", views.item_detail, name="item_detail"),
    path("items/<int:item_id>/claim/", views.claim, name="claim"),
    path("items/<int:item_id>/release/", views.release, name="release"),
    path("log/", views.log, name="log"),
    path("users/", views.user_directory, name="users"),
    path("users/<str:username>/", views.user_roles, name="user"),
    path("notices/", views.notices, name="notices"),
    path("flag/", views.flag, name="flag"),
    path("history/<str:type_name>/<int:pk>/", history_views.history, name="history"),
    path(
        "history/<str:type_name>/<int:pk>/restore/",
        history_views.restore_deleted,
        name="history_restore_deleted",
    ),
]

api_urlpatterns = [
    path("moderation/items/", api.ReviewItemListAPI.as_view(), name="api-moderation-items"),
    path(
        "moderation/items/<int:item_id>/claim/",
        api.ReviewItemClaimAPI.as_view(),
        name="api-moderation-claim",
    ),
    path(
        "moderation/items/<int:item_id>/decide/",
        api.ReviewItemDecideAPI.as_view(),
        name="api-moderation-decide",
    ),
    path("moderation/log/", api.AuditLogAPI.as_view(), name="api-moderation-log"),
    path("flags/", api.FlagCreateAPI.as_view(), name="api-flags"),
]
