from django.urls import path

from . import api, views

app_name = "search"

urlpatterns = [
    path("search/", views.search, name="search"),
]

api_urlpatterns = [
    path("search/", api.SearchAPI.as_view(), name="api-search"),
]
