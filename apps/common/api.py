"""Shared REST framework pieces: pagination and error shape.

Every API error is JSON with a human-readable ``detail``; field errors also keep DRF's
per-field lists under ``errors`` so scripts can point at the offending field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination
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


def _challenge_token_clients(response, context) -> None:
    """A client that sent ``Authorization: Token …`` gets 401 with a challenge, as RFC 9110
    asks. DRF answers 403 because session authentication comes first (and has no
    challenge); browsers using the session keep that answer."""
    request = context.get("request")
    header = request.META.get("HTTP_AUTHORIZATION", "") if request is not None else ""
    if header.split(" ", 1)[0].lower() == "token":
        response.status_code = 401
        response["WWW-Authenticate"] = 'Token realm="api"'


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied) and getattr(exc, "retry_after", None):
        # A service's rate limit (apps/moderation/throttles.RateLimited): 429 + Retry-After.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        _challenge_token_clients(response, context)
    data = response.data
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"])}
    else:
        response.data = {"detail": _first_message(data), "errors": data}
    return response
