"""Finds the search providers and facets of every installed app.

An app takes part by having a ``search_providers`` module with ``PROVIDERS`` (and, if it
brings new filters, ``FACETS``). Collected once per process, in INSTALLED_APPS order;
providers are then sorted by their ``order``, facets by theirs (stable).
"""

from __future__ import annotations

import functools
from importlib import import_module

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

from .providers import Facet, SearchProvider

MODULE_NAME = "search_providers"


@functools.cache
def discovered(attribute: str) -> tuple:
    """Everything the apps' ``search_providers`` modules list under ``attribute``
    (``PROVIDERS``, ``FACETS``, ``PERSONAL_PROVIDERS``, activity.py's ``ACTIVITY``…), in
    INSTALLED_APPS order. Collected once per process."""
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, MODULE_NAME):
            module = import_module(f"{config.name}.{MODULE_NAME}")
            found.extend(getattr(module, attribute, ()))
    return tuple(found)


@functools.cache
def _collect() -> tuple[dict[str, SearchProvider], dict[str, Facet]]:
    providers: dict[str, SearchProvider] = {}
    facets: dict[str, Facet] = {}
    for provider in discovered("PROVIDERS"):
        if provider.kind in providers:
            raise ImproperlyConfigured(f"Two search providers for kind {provider.kind!r}")
        providers[provider.kind] = provider
    for facet in discovered("FACETS"):
        if facet.name in facets:
            raise ImproperlyConfigured(f"Two search facets named {facet.name!r}")
        facets[facet.name] = facet
    for provider in providers.values():
        unknown = set(provider.facet_names) - set(facets)
        if unknown:
            raise ImproperlyConfigured(
                f"Search provider {provider.kind!r} uses undeclared facets {sorted(unknown)}"
            )
    ordered = dict(sorted(providers.items(), key=lambda item: (item[1].order, item[0])))
    return ordered, dict(sorted(facets.items(), key=lambda item: item[1].order))


def providers() -> dict[str, SearchProvider]:
    """Kind -> provider, in display order."""
    return _collect()[0]


def facets() -> dict[str, Facet]:
    """Facet name -> facet."""
    return _collect()[1]


def personal_providers() -> tuple[SearchProvider, ...]:
    """Providers of what only the viewer (and their reading groups) may find:
    ``PERSONAL_PROVIDERS`` in an app's ``search_providers`` module. The search page is the
    same for everyone, so these run in its private fragment (``views.search_personal``),
    never on the page itself."""
    return discovered("PERSONAL_PROVIDERS")
