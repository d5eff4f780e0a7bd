"""Which rows a saved search's alerts look at (issue 18; docs/search.md, "Saved searches").

A search ranks a sample of each kind's matches: the first COUNT_CAP + 1 the scan finds,
and a new row sits at the end of its table. For a common word a new match was practically
never in that sample, and its alert never came. So the alerts ask for the rows added
since they last looked (``SearchRequest.newer_than``, a lower bound on each kind's keys,
which grow with time): few rows, every one of them looked at.

**Watermarks.** Each alert of a saved search (``"email"``, ``"in_app"``) keeps
``{"after": {kind: key}, "next": {kind: key}}``: a run looks at the rows above
``after``; then ``after`` becomes ``next``, and ``next`` the newest keys, taken before the
run searched. So every row is looked at by two runs: one whose key was taken before its
transaction committed, or before its index row was written (the annotation services index
after their commit), is found by the run after. What the first run announced is not
announced again (``SavedSearch.seen``).

**The feed** changes nothing when a reader polls it (several readers may poll one URL). It
lists, per kind, the ``FEED_PER_KIND`` newest matches (``feed_bounds``: the key of the
last of them, one query a kind; then one search bounded by those keys).
"""

from __future__ import annotations

from . import contract, registry
from .contract import Hit, SearchRequest

# Matches of each kind the feed lists, newest first. Feed readers keep what they have
# seen, so this only has to cover what arrives between two polls.
FEED_PER_KIND = 20


def newest_ids() -> dict[str, int]:
    """Per kind whose provider honours ``newer_than``, the highest key of its rows
    (whoever may see them): one ``max(id)`` per kind, from the primary key's index."""
    newest = {}
    for kind, provider in registry.providers().items():
        key = provider.newest_id()
        if key is not None:
            newest[kind] = key
    return newest


def start(newest: dict[str, int]) -> dict:
    """The watermarks of an alert that begins now: only rows added later are news."""
    return {"after": dict(newest), "next": dict(newest)}


def advance(marks: dict, newest: dict[str, int]) -> dict:
    """The watermarks after a run that took ``newest`` before searching (see above)."""
    return {"after": dict(marks.get("next") or newest), "next": dict(newest)}


def lower_bounds(marks: dict) -> dict[str, int] | None:
    """The ``newer_than`` of an alert's next run, or None when it has no watermarks yet
    (a search saved before they existed: that run looks at the best results)."""
    after = marks.get("after")
    return dict(after) if after is not None else None


def feed_bounds(request: SearchRequest, *, per_kind: int = FEED_PER_KIND) -> dict[str, int]:
    """Per kind, the key above which lie its ``per_kind`` newest matches (all of them,
    fewer than a sample: a search bounded by these keys ranks every one). A kind the
    request leaves out or only counts gets its newest key: nothing to read."""
    per_kind = max(min(per_kind, contract.COUNT_CAP), 1)
    bounds = {}
    for kind, provider in registry.providers().items():
        wanted = (not request.kind or request.kind == kind) and set(request.filters) <= set(
            provider.facet_names
        )
        key = provider.newest_match(request, nth=per_kind) if wanted else provider.newest_id()
        if key is not None:
            # The ``per_kind``-th newest match itself is one of them.
            bounds[kind] = key - 1 if wanted and key else key
    return bounds


def newest_first(hits: list[Hit]) -> list[Hit]:
    """Hits by kind (in display order), the newest of each kind first."""
    positions = {kind: n for n, kind in enumerate(registry.providers())}
    return sorted(hits, key=lambda hit: (positions.get(hit.kind, len(positions)), -hit.id))
