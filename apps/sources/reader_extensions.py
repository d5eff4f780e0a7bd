"""Other apps add to the reader without the sources app knowing them.

Two hooks an AppConfig may define:

``reader_extension(request, *, source, document)``
    returns ``{"context": {...}, "templates": {slot: [template names]}}`` for the slots
    ``head``, ``tools`` (under the title), ``aside`` (beside the text) and ``body_end``.
    Runs on every request and may depend on the viewer; it must run a fixed number of
    queries, whatever the number of passages or annotations.

``reader_passage_extension(*, source, document, passages)``
    returns the same shape for the one slot ``passage`` (inside each passage; the template
    sees ``passage``). Its output is part of the passage markup that the reader renders
    once per version, language and public-data generation and then serves from the cache
    (see :func:`apps.sources.views.reader` and docs/adr/0004-reader-fragments.md), so it
    must not depend on the viewer or the request: anything personal (counts of visible
    annotations, buttons for signed-in users) is painted by the extension's script.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps

SLOTS = ("head", "tools", "aside", "body_end")
PASSAGE_SLOTS = ("passage",)


def _collect(hook_name: str, allowed: tuple[str, ...], **kwargs) -> dict:
    context: dict = {}
    templates: dict[str, list[str]] = defaultdict(list)
    for config in apps.get_app_configs():
        hook = getattr(config, hook_name, None)
        if hook is None:
            continue
        result = hook(**kwargs) or {}
        context.update(result.get("context", {}))
        for slot, names in result.get("templates", {}).items():
            if slot not in allowed:
                raise ValueError(f"Unknown reader slot {slot!r} from {config.name}")
            templates[slot].extend(names)
    context["reader_slots"] = {slot: templates.get(slot, []) for slot in allowed}
    return context


def collect(request, *, source, document) -> dict:
    """Context and slot templates of the per-request hooks."""
    return _collect("reader_extension", SLOTS, request=request, source=source, document=document)


def collect_passages(*, source, document, passages) -> dict:
    """Context and slot templates of the passage hooks (rendered into the cached text)."""
    context = _collect(
        "reader_passage_extension",
        PASSAGE_SLOTS,
        source=source,
        document=document,
        passages=passages,
    )
    context["reader_passage_slots"] = context.pop("reader_slots")
    return context
