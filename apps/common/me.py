"""What ``GET /api/me/`` says about the signed-in viewer, gathered from the apps that know.

``common`` cannot import the apps above it, so each app registers a *provider* from its
``AppConfig.ready()``: a function ``(request, user) -> dict`` whose keys (``roles``,
``unread``, ``links``) are merged into the answer. A provider runs only for a signed-in,
active viewer and should cost at most a query or two (the endpoint's query count is
pinned in tests/accounts/test_me.py).
"""

from __future__ import annotations

from collections.abc import Callable

Provider = Callable[[object, object], dict]

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Add (or replace, by name: ``ready()`` may run twice in tests) a provider."""
    _providers[name] = provider


def collect(request, user) -> dict:
    merged: dict[str, dict] = {"roles": {}, "unread": {}, "links": {}}
    for name in sorted(_providers):
        for key, values in _providers[name](request, user).items():
            merged.setdefault(key, {}).update(values)
    return merged
