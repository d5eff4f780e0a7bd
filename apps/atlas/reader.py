"""The atlas inside the reader: per passage, a "Tag a comparative example" link and, where
published entries link to the passage, "K comparative examples from C countries"."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from django.db import DEFAULT_DB_ALIAS
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext

from apps.common.prepared import PreparedQuery

from .entries.selectors import published_condition
from .models import Example, PassageLink

# What the block shows of an entry: building and decoding every column cost more than
# running the query, and compiling it each time (joins, the shadow-hidden subquery) about
# as much again, so it is compiled once per process (apps/common/prepared.py).
EXAMPLE_FIELDS = ("id", "title", "slug", "country", "scope")
_PASSAGE_LINKS = PreparedQuery(
    lambda document_id: (
        PassageLink.objects.filter(published_condition("example"), passage__document_id=document_id)
        .order_by("example__title")
        .values_list("passage_id", *(f"example__{name}" for name in EXAMPLE_FIELDS))
    ),
    document_id=int,
    plan_once=True,
)


def reader_passage_extension(*, source, document, passages):
    """One query whatever the number of passages; returns the per-passage renderer
    (``apps/sources/reader_extensions.py``). The same for every viewer: it is rendered into
    the reader's cached passage markup, so it lists the public set only
    (``entries.selectors.published_examples``: published, and not by a shadow-hidden author, whom
    nobody else may see; their entries are missing here even for them and moderators, as
    on the map). Shadow-hiding saves a moderation state row, which bumps the passage
    markup's versions (apps/common/http_cache.py), so the block is re-rendered then."""
    examples: dict[int, dict] = defaultdict(dict)
    for passage_id, *example in _PASSAGE_LINKS.rows(document_id=document.pk):
        examples[passage_id][example[0]] = Example.from_db(
            DEFAULT_DB_ALIAS, EXAMPLE_FIELDS, example
        )
    # One link per passage of a long text: built with f-strings over escaped constants
    # (format_html per passage was a fifth of a cold reader's time). Visible to signed-in
    # readers only (atlas.css, under body.is-signed-in, which static/js/site.js sets; the
    # space is kept, so nothing moves when it appears): the keyboard path beside the
    # selection menu's "Tag a comparative example"; anonymous readers get sign-in there.
    tag_link = '<a class="atlas-tag" href="{url}?passage={pk}">{label}</a>'.format(
        url=escape(reverse("atlas:example_new")),
        pk="{pk}",
        label=escape(gettext("Tag a comparative example")),
    )

    def render(passage) -> str:
        found = list(examples.get(passage.pk, {}).values())
        parts = []
        if found:
            k, c = len(found), len({e.place_code for e in found})
            summary = "{} {}".format(
                ngettext("%(k)s comparative example", "%(k)s comparative examples", k) % {"k": k},
                ngettext("from %(c)s country", "from %(c)s countries", c) % {"c": c},
            )
            items = format_html_join(
                "",
                '<li><a href="{}">{}</a> <small>({})</small></li>',
                ((e.get_absolute_url(), e.title, e.place_name) for e in found),
            )
            parts.append(
                format_html(
                    '<details class="atlas-passage"><summary>{}</summary><ul>{}</ul></details>',
                    summary,
                    items,
                )
            )
        if passage.kind != "heading":
            parts.append(tag_link.replace("{pk}", str(int(passage.pk))))
        return f'<div class="atlas-reader">{"".join(parts)}</div>' if parts else ""

    return render
