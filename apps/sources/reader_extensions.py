"""Other apps add to the reader without the sources app knowing them.

Two hooks an AppConfig may define:

``reader_extension(request, *, source, document)``
    returns ``{"context": {...}, "templates": {slot: [template names]}}`` for the slots
    ``head``, ``tools`` (under the title), ``aside`` (beside the text) and ``body_end``.
    Runs on every request and may depend on the viewer; it must run a fixed number of
    queries, whatever the number of passages or annotations.

``reader_passage_extension(*, source, document, passages)``
    returns a function ``render(passage) -> str`` giving the (already escaped, safe) HTML to
    put inside that passage, or "" for none. It runs once per passage of a long text, so it
    builds its HTML in Python (``format_html``) rather than through a template include,
    which cost most of the reader's cold render (docs/benchmarks.md, "HTTP caching"). Its
    output is part of the passage markup that the reader renders once per version,
    language and versions of what it shows and then serves from the cache (ADR 0007), so
    it must not depend on the viewer or the request: anything personal (counts of visible
    annotations, buttons for signed-in users) is painted by the extension's script.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.apps import apps

SLOTS = ("head", "tools", "aside", "body_end")


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


def passage_renderers(*, source, document, passages) -> list[Callable[[object], str]]:
    """The passage hooks' renderers, in app order (rendered into the cached text)."""
    renderers = []
    for config in apps.get_app_configs():
        hook = getattr(config, "reader_passage_extension", None)
        if hook is None:
            continue
        renderer = hook(source=source, document=document, passages=passages)
        if not callable(renderer):
            raise TypeError(
                f"{config.name}.reader_passage_extension must return a function of the passage"
            )
        renderers.append(renderer)
    return renderers
