"""API authentication (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES). Its own module:
DRF imports these classes while it is still importing itself."""

from __future__ import annotations

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``, first in DEFAULT_AUTHENTICATION_CLASSES, so that a
    request without credentials (or with a wrong token) answers 401 with this challenge
    (RFC 9110), as the README promises, instead of a bare 403."""

    def authenticate_header(self, request):
        return 'Token realm="api"'
