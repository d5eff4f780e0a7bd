"""Shared REST framework pieces: pagination and error shape.

Every API error is JSON with a human-readable ``detail``; field errors also keep DRF's
per-field lists under ``errors`` so scripts can point at the offending field.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, renderers
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _first_message(data) -> str:
    if isinstance(data, str):
        return data
    if isinstance(data, list) and data:
        return _first_message(data[0])
    if isinstance(data, dict) and data:
        key, value = next(iter(data.items()))
        message = _first_message(value)
        if key in ("non_field_errors", "detail", "__all__"):
            return message
        return f"{key}: {message}"
    return "Invalid request."


class ClientIPThrottleMixin:
    """For DRF throttles: the address to count is the site's one rule
    (apps/common/client_ip.py), not DRF's own reading of X-Forwarded-For."""

    def get_ident(self, request):
        from .client_ip import client_ip

        return client_ip(request)


class DownloadRenderer(renderers.BaseRenderer):
    """Content negotiation for a view that answers a file it built itself (an export):
    the view returns an ``HttpResponse`` with its own media type, and this class only
    tells DRF which ``Accept`` values that file satisfies (its media type, ``*/*`` and
    e.g. ``text/*``), so ``Accept: text/csv`` gets the CSV instead of a 406. An error
    raised by the view is a dict: it goes out as JSON with the site's error shape."""

    media_type = "application/octet-stream"
    format = "download"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, (bytes, str)):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


def download_renderer(media_type: str, file_format: str) -> type[DownloadRenderer]:
    """A DownloadRenderer for one media type (``text/csv``, ``application/geo+json``…)."""
    name = "".join(part.capitalize() for part in file_format.split("-")) + "DownloadRenderer"
    return type(name, (DownloadRenderer,), {"media_type": media_type, "format": file_format})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"])}
    else:
        response.data = {"detail": _first_message(data), "errors": data}
    return response
