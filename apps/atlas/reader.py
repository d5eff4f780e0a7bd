"""The atlas inside the reader: per passage, a "Tag a comparative example" link and, where
published entries link to the passage, "K comparative examples from C countries"."""

from __future__ import annotations

from collections import defaultdict

from .entries.selectors import published_examples
from .models import PassageLink


def reader_passage_extension(*, source, document, passages) -> dict:
    """One query whatever the number of passages. The results are set on the passage
    objects themselves (``atlas_examples``, ``atlas_country_count``) because the passage
    slot template sees only ``passage``. The same for every viewer: it is rendered into
    the reader's cached passage markup, so it lists the public set only
    (``entries.selectors.published_examples``: published, and not by a shadow-hidden author, whom
    nobody else may see; their entries are missing here even for them and moderators, as
    on the map). Shadow-hiding saves a moderation state row, which bumps the passage
    markup's versions (apps/common/http_cache.py), so the block is re-rendered then."""
    links = (
        PassageLink.objects.filter(passage__document=document, example__in=published_examples())
        .select_related("example")
        .order_by("example__title")
    )
    examples: dict[int, dict] = defaultdict(dict)
    for link in links:
        examples[link.passage_id][link.example_id] = link.example
    for passage in passages:
        found = list(examples.get(passage.pk, {}).values())
        passage.atlas_examples = found
        passage.atlas_country_count = len({e.place_code for e in found})
    return {"templates": {"passage": ["atlas/_reader_passage.html"]}}
