"""Reading a relation that a selector may have prefetched, without Django's per-access
cost: ``instance.relation.all()`` builds a related manager and a queryset on every call
only to find the prefetched list, which a release cut does some fifteen times for each
of 100,000 entries (docs/benchmarks.md, "Releases")."""

from __future__ import annotations

from collections.abc import Iterable


def related(instance, name: str) -> Iterable:
    """The objects of ``instance``'s ``name`` relation: the prefetched ones when the
    selector loaded them (``prefetch_related`` or a hand-filled prefetch cache), else
    ``instance.<name>.all()`` (one query), exactly as ``.all()`` would give them."""
    cached = getattr(instance, "_prefetched_objects_cache", None)
    if cached is not None and name in cached:
        return cached[name]
    return getattr(instance, name).all()
