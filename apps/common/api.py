"""Shared REST framework pieces: pagination and error shape.

Every API error is JSON with a human-readable ``detail``; field errors also keep DRF's
per-field lists under ``errors`` so scripts can point at the offending field.
"""

from __future__ import annotations

import json

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.cache import patch_vary_headers
from rest_framework import exceptions, pagination, renderers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from . import csl


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


class CitationRenderer(renderers.BaseRenderer):
    """A citation format chosen by ``Accept`` (or ``?format=``), as DOI resolvers offer
    them. The view answers a :class:`apps.common.csl.Citation`; an error raised by the
    view is a dict and goes out as JSON with the site's error shape."""

    charset = "utf-8"

    def text(self, citation: csl.Citation) -> str:
        raise NotImplementedError

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, csl.Citation):
            return self.text(data).encode()
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, ensure_ascii=False).encode()


class CSLJSONRenderer(CitationRenderer):
    media_type = csl.CSL_JSON_MEDIA_TYPE
    format = "csl-json"

    def text(self, citation: csl.Citation) -> str:
        # One item, not an array: what doi.org answers for the same Accept header.
        return json.dumps(citation.csl, ensure_ascii=False, indent=2)


class RISRenderer(CitationRenderer):
    media_type = csl.RIS_MEDIA_TYPE
    format = "ris"

    def text(self, citation: csl.Citation) -> str:
        return csl.to_ris(citation.csl)


class BibTeXRenderer(CitationRenderer):
    media_type = csl.BIBTEX_MEDIA_TYPE
    format = "bibtex"

    def text(self, citation: csl.Citation) -> str:
        return citation.bibtex + "\n"


class CitationFormatsMixin:
    """For an API view of one citable thing: JSON as before, and CSL-JSON, RIS and
    BibTeX for the ``Accept`` header (or ``?format=csl-json|ris|bibtex``) that asks for
    them. ``get`` checks :meth:`wants_citation` and answers :meth:`citation_response`.
    The body depends on ``Accept``, so every answer says so (``Vary``)."""

    renderer_classes = [
        *api_settings.DEFAULT_RENDERER_CLASSES,
        CSLJSONRenderer,
        RISRenderer,
        BibTeXRenderer,
    ]

    @staticmethod
    def wants_citation(request) -> bool:
        return isinstance(getattr(request, "accepted_renderer", None), CitationRenderer)

    @staticmethod
    def citation_response(citation: csl.Citation) -> Response:
        return Response(citation)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept"])
        return response


def _anonymous(context) -> bool:
    request = context.get("request")
    if request is None:
        return False
    try:
        # A browser whose session is signed in but whose write failed the CSRF check is
        # not anonymous: it stays a 403 (DRF has already replaced its user by anonymous).
        session = getattr(request._request, "session", None)
        signed_in_session = session is not None and SESSION_KEY in session
        return (
            request.successful_authenticator is None
            and not request.user.is_authenticated
            and not signed_in_session
        )
    except Exception:  # noqa: BLE001 - authentication itself failed: DRF answers that
        return False


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied) and getattr(exc, "retry_after", None):
        # A service's rate limit (apps/common/throttles.RateLimited): 429 + Retry-After.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, exceptions.PermissionDenied) and _anonymous(context):
        # A refusal that a service (not a DRF permission class) raised for a visitor who
        # sent no credentials: as for the permission classes, the answer is "sign in"
        # (401 with the challenge), not "forbidden".
        exc = exceptions.NotAuthenticated()
        view = context.get("view")
        header = view.get_authenticate_header(context["request"]) if view else None
        if header:
            exc.auth_header = header
        else:
            exc.status_code = 403
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"])}
    else:
        response.data = {"detail": _first_message(data), "errors": data}
    return response
