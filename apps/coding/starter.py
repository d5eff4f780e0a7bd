"""Value citations for starter entries loaded before they carried any (ADR 0011): the
atlas's starter now publishes them with their citations, but a database seeded earlier
(a developer's `make run` file, a site already running) holds them uncited, showing
"uncited (required)". ``load_starter_data`` (run by ``manage.py load_starter_data``
after the atlas's) gives such an entry the atlas starter's citations once. An entry
that has ever had a citation is left alone (a moderator may have changed them since),
and so is one whose evidence or passage is no longer the paper's: idempotent."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.atlas.models import Example
from apps.atlas.starter import STARTER_ENTRIES
from apps.sources.starter import FOUNDING_PAPER

from .models import ValueCitation
from .services.citations import citations_import


def load_starter_data() -> Iterator[str]:
    for entry in STARTER_ENTRIES:
        data = entry["data"]
        example = Example.objects.filter(title=data.title, country=data.country).first()
        if example is None or ValueCitation.objects.filter(example=example).exists():
            continue
        evidence = list(example.evidence.order_by("order", "pk"))
        links = list(example.passage_links.select_related("passage__document__source"))
        if not (
            evidence
            and links
            and evidence[0].source_id == links[0].passage.document.source_id
            and links[0].passage.document.source.slug == FOUNDING_PAPER["slug"]
            and entry["passage_contains"] in links[0].passage.text
        ):
            yield f"Skipped: citations of {data.title!r} (its evidence is no longer the paper's)"
            continue
        try:
            with transaction.atomic():
                citations_import(
                    example=example, citations=entry["citations"], evidence=evidence, links=links
                )
        except ValidationError as exc:
            yield f"Skipped: citations of {data.title!r}: {' '.join(exc.messages)}"
            continue
        yield f"Cited: atlas example {data.title!r} ({len(entry['citations'])} citations)"
