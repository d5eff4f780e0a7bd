from django.urls import path

from . import api, feeds, views

app_name = "search"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/personal/", views.search_personal, name="personal"),
    path("activity/", views.activity, name="activity"),
    path("activity/feed/", feeds.activity_feed, name="activity_feed"),
    path("users/<str:username>/", views.contributor, name="contributor"),
    path("search/saved/", views.saved_list, name="saved_list"),
    path("search/saved/<int:pk>/", views.saved_change, name="saved_change"),
    path("search/saved/feed/<str:token>/", feeds.saved_search_feed, name="saved_feed"),
]

api_urlpatterns = [
    path("search/", api.SearchAPI.as_view(), name="api-search"),
    path("search/suggest/", api.SearchSuggestAPI.as_view(), name="api-search-suggest"),
]
