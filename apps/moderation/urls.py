from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("notices/", views.notices, name="notices"),
]

api_urlpatterns: list = []
