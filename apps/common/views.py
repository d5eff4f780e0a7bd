"""Health check and error pages (HTML for people, JSON under /api/). The home page is
the site layer's (apps/site/views.py)."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.i18n import JavaScriptCatalog

from .http_cache import public_page
from .public import public_view

# The catalogue depends on nothing in the database: its ETag changes with the build (the
# compiled .mo files are part of build_id) and the language, like every public payload.
javascript_catalog = public_view(public_page(depends_on=())(JavaScriptCatalog.as_view()))


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def _error(request, template: str, status: int, exception=None):
    if request.path.startswith("/api/"):
        messages = {400: gettext("Bad request."),
                    403: gettext("You do not have permission to do this."),
                    404: gettext("Not found."),
                    500: gettext("Server error. The team has been told.")}  # fmt: skip
        return JsonResponse({"detail": messages[status]}, status=status)
    return render(request, template, {"exception": exception}, status=status)


def bad_request(request, exception=None):
    return _error(request, "400.html", 400, exception)


def permission_denied(request, exception=None):
    """403; a rate limit that a page let through (throttles.RateLimited) is a 429 with
    Retry-After and its message, as the API answers it."""
    from .throttles import RateLimited

    if isinstance(exception, RateLimited):
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": str(exception)}, status=429)
        else:
            response = render(request, "429.html", {"message": str(exception)}, status=429)
        response["Retry-After"] = str(exception.retry_after)
        return response
    return _error(request, "403.html", 403, exception)


def page_not_found(request, exception=None):
    return _error(request, "404.html", 404, exception)


def server_error(request):
    """Django calls this inside its ``except`` block, so the exception is at hand.

    Rendered without the request context: the failure may be the database, which the
    context processors need. A database outage is a 503 (try again), not a bug.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": gettext("The database is unavailable. Please try again in a minute.")},
                status=503,
            )
        else:
            response = HttpResponse(loader.get_template("503.html").render({}), status=503)
        response["Retry-After"] = "60"
        return response
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": gettext("Server error. The team has been told.")}, status=500
        )
    return HttpResponseServerError(loader.get_template("500.html").render({}))
