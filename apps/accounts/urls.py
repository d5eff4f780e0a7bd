from django.urls import path

from . import api, views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.token_regenerate, name="token_regenerate"),
    path("profile/token/revoke/", views.token_revoke, name="token_revoke"),
]

api_urlpatterns = [
    path("me/", api.me_view, name="api-me"),
]
