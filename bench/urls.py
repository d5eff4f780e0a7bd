"""The project's URLs plus the bare yardstick view (only loaded by the benchmarks)."""

from django.http import HttpResponse
from django.urls import path

from project.urls import urlpatterns as project_urlpatterns


def bare(request):
    return HttpResponse("ok")


urlpatterns = [path("__bench__/bare/", bare), *project_urlpatterns]
