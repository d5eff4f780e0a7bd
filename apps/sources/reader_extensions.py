"""Other apps add to the reader without the sources app knowing them.

An AppConfig may define ``reader_extension(request, source, document, passages)``
returning ``{"context": {...}, "templates": {slot: [template names]}}``. Slots in
templates/sources/reader.html: ``head``, ``tools`` (under the title), ``passage`` (inside
each passage; the template sees ``passage``), ``aside`` (beside the text), ``body_end``.
Each extension must run a fixed number of queries, whatever the number of passages.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps

SLOTS = ("head", "tools", "passage", "aside", "body_end")


def collect(request, *, source, document, passages) -> dict:
    context: dict = {}
    templates: dict[str, list[str]] = defaultdict(list)
    for config in apps.get_app_configs():
        hook = getattr(config, "reader_extension", None)
        if hook is None:
            continue
        result = hook(request, source=source, document=document, passages=passages) or {}
        context.update(result.get("context", {}))
        for slot, names in result.get("templates", {}).items():
            if slot not in SLOTS:
                raise ValueError(f"Unknown reader slot {slot!r} from {config.name}")
            templates[slot].extend(names)
    context["reader_slots"] = {slot: templates.get(slot, []) for slot in SLOTS}
    return context
