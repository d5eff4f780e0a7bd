"""The API's JSON parser, refusing what no endpoint can use (400 with a clear ``detail``):

- JSON nested deeper than ``settings.MAX_JSON_DEPTH`` (32) levels. No request body the API
  documents comes near it; deep nesting only costs recursion (Python's own JSON decoder
  and anything walking the data raised RecursionError: a 500).
- strings (values or keys) holding a NUL character or a lone surrogate (``"\\u0000"``,
  ``"\\ud800"``): PostgreSQL cannot store them (apps/common/middleware.py does the same for
  paths, query strings and forms).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .middleware import is_unencodable


def json_problem(data, *, max_depth: int) -> str | None:
    """What makes parsed JSON unacceptable, or None. Iterative: no recursion to exhaust."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if is_unencodable(value):
                return _("A text in the JSON body contains a character that is not allowed (a NUL byte or a lone surrogate).")  # fmt: skip
        elif isinstance(value, (dict, list)):
            if depth > max_depth:
                return _("The JSON body is nested deeper than %(limit)s levels.") % {
                    "limit": max_depth
                }
            if isinstance(value, dict):
                for key, item in value.items():
                    if is_unencodable(key):
                        return _("A key in the JSON body contains a character that is not allowed (a NUL byte or a lone surrogate).")  # fmt: skip
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
    return None


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        max_depth = getattr(settings, "MAX_JSON_DEPTH", 32)
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(
                _("The JSON body is nested deeper than %(limit)s levels.") % {"limit": max_depth}
            ) from exc
        problem = json_problem(data, max_depth=max_depth)
        if problem is not None:
            raise ParseError(problem)
        return data
