"""The project's URLs plus the bare yardstick view (only loaded by the benchmarks)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from project.urls import urlpatterns as project_urlpatterns


def bare(request):
    return HttpResponse("ok")


def empty_page(request):
    """The site's floor for any HTML page: base.html with nothing in it (header with the
    viewer's menu and unread count, CSRF token, the viewer loaded from the session)."""
    return render(request, "base.html")


urlpatterns = [
    path("__bench__/bare/", bare),
    path("__bench__/empty-page/", empty_page),
    *project_urlpatterns,
]
