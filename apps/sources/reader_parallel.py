"""The side-by-side reader's markup (``/sources/<slug>/?translation=de``, ADR 0019): one
row per aligned pair, the original's passages on the left and the translation's on the
right, each passage with its permalink (``#p-<anchor>``: anchors come from each version's
own text, so the two sides never share one).

One side is *active*: its passages are the reader's passages (``.passage`` with the
passage id and offsets the annotation script reads, and the other apps' passage slots),
so annotations anchor to that side's version. The other side's passages are
``.passage-parallel``: read and linked, not annotated from this page; its "Annotate"
link opens the page with that side active. On a phone each row shows one side, with a
toggle per row (static/js/parallel-reader.js).

Built in Python as ``reader_text.py`` is, with every value escaped here; the same for
every viewer, cached by the reader (``views.parallel_text``).
"""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext, pgettext

from . import reader_extensions
from .languages import language_name


def render(*, translation, rows, active: str) -> str:
    """``rows``: ``selectors.aligned_rows``; ``active``: "original" or "translation"."""
    original, translated = translation.original, translation.document
    active_document = original if active == "original" else translated
    active_source = translation.original_source if active == "original" else translation.source
    active_passages = [
        p for row in rows for p in (row.original if active == "original" else row.translation)
    ]
    renderers = reader_extensions.passage_renderers(
        source=active_source, document=active_document, passages=active_passages
    )
    languages = {
        "original": translation.original_source.language,
        "translation": translation.language,
    }
    names = {side: language_name(code) for side, code in languages.items()}
    permalink_label = gettext("Permalink to passage %(n)s (%(language)s)")
    # A phone shows one side per row; the toggle shows the other (its name on the button).
    toggle_label = pgettext("side-by-side reader", "Show %(language)s")
    other = "translation" if active == "original" else "original"
    other_source = translation.source if other == "translation" else translation.original_source
    other_document = translated if other == "translation" else original
    other_url = translation.get_absolute_url() + (
        "&side=translation" if other == "translation" else ""
    )
    # What the annotation script needs to list the other side's annotations under a
    # thread (static/js/annotations/aligned.js): that side's source, version and language.
    out = [
        '<div class="reader__text reader__text--parallel" '
        f'data-active-side="{escape(active)}" '
        f'data-active-name="{escape(names[active])}" '
        f'data-other-source="{escape(other_source.slug)}" '
        f'data-other-version="{other_document.version}" '
        f'data-other-lang="{escape(languages[other])}" '
        f'data-other-name="{escape(names[other])}" '
        f'data-other-url="{escape(other_url)}">\n'
    ]
    counters = {"original": 0, "translation": 0}
    for row in rows:
        out.append(f'<div class="aligned-row" id="row-{row.order + 1}">\n')
        for side, passages in (("original", row.original), ("translation", row.translation)):
            is_active = side == active
            out.append(
                f'  <div class="aligned-row__side aligned-row__side--{side}'
                f'{" is-active" if is_active else ""}" lang="{escape(languages[side])}">\n'
            )
            for passage in passages:
                counters[side] += 1
                out.append(
                    _passage(
                        passage,
                        active=is_active,
                        renderers=renderers if is_active else (),
                        label=permalink_label % {"n": counters[side], "language": names[side]},
                    )
                )
            out.append("  </div>\n")
        if row.original or row.translation:
            out.append(
                '  <button type="button" class="aligned-row__toggle secondary" '
                'data-parallel-toggle aria-pressed="false">'
                f"{escape(toggle_label % {'language': names[other]})}</button>\n"
            )
        out.append("</div>\n")
    out.append("</div>\n")
    return "".join(out)


def _passage(passage, *, active: bool, renderers, label: str) -> str:
    html_id = escape(passage.html_id)
    tag = "h2" if passage.kind == "heading" else "p"
    if active:
        opening = (
            f'<div class="passage passage--{escape(passage.kind)}" id="{html_id}" '
            f'data-passage="{passage.pk}" data-start="{passage.start}" data-end="{passage.end}">'
        )
    else:
        opening = (
            f'<div class="passage-parallel passage--{escape(passage.kind)}" id="{html_id}" '
            f'data-parallel-passage="{passage.pk}">'
        )
    extras = "".join(render(passage) for render in renderers)
    parts = [
        f"    {opening}\n",
        f'      <{tag} class="passage__text">{escape(passage.text)}</{tag}>\n',
    ]
    if extras:
        parts.append(f'      <div class="passage__extras">{extras}</div>\n')
    parts.append(
        '      <div class="passage__tools">\n'
        f'        <a class="permalink" href="#{html_id}" aria-label="{escape(label)}">¶</a>\n'
        "      </div>\n    </div>\n"
    )
    return "".join(parts)
