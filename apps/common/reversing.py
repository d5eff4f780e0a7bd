"""``reverse()`` remembered: the addresses of search hits and suggestions.

A search page builds an address for each of its twenty hits and a suggestion list one for
each of its eight suggestions, most of them of a handful of sources' readers; Django's
``reverse()`` costs 50-80 µs a call (the resolver's possibilities, a regex check and URL
quoting), 13 % of a suggestion request's time (docs/benchmarks.md, session 11).
``cached_reverse`` answers a repeated call from memory. The key holds everything
``reverse()`` reads besides its arguments (the script prefix and the urlconf of the current
thread), and the memory is emptied whenever the URL configuration changes (a test's
``ROOT_URLCONF``), so it returns exactly what ``reverse()`` would.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Distinct addresses kept per process (a few hundred bytes each).
MAX_REMEMBERED = 4096


def cached_reverse(viewname: str, **kwargs) -> str:
    """``reverse(viewname, kwargs=kwargs)``, answered from memory when asked before."""
    return _reverse(get_script_prefix(), get_urlconf(), viewname, tuple(sorted(kwargs.items())))


@functools.lru_cache(maxsize=MAX_REMEMBERED)
def _reverse(prefix: str, urlconf, viewname: str, kwargs: tuple) -> str:
    return reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
