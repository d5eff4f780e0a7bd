"""The side-by-side reader's markup (``/sources/<slug>/?translation=de``, ADR 0019): one
row per aligned pair, the original's passages on the left and the translation's on the
right, each passage with its permalink (``#p-<anchor>``: anchors come from each version's
own text, so the two sides never share one).

Both sides' passages are reader passages (``.passage`` with the passage id and the
offsets into *their own* version's text, and the other apps' passage slots), so a
selection on either side anchors to that side's version without a reload
(static/js/annotations/: each passage knows its side from ``data-side`` on its column).
What the annotation script needs of each side (source, version, document, language, its
name, whether it is the current version) is on the parallel text as ``data-*``. One side
is *first*: a phone shows it in every row until that row's toggle shows the other
(static/js/parallel-reader.js); ``&side=translation`` makes the translation first.

Built in Python as ``reader_text.py`` is, with every value escaped here; the same for
every viewer, cached by the reader (``views.parallel_text``).
"""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext, pgettext

from . import reader_extensions
from .languages import language_name

SIDES = ("original", "translation")


def _side_attributes(name: str, *, source, document, language: str, language_label: str):
    current = "true" if document.pk == source.current_document_id else "false"
    return (
        f'data-{name}-source="{escape(source.slug)}" '
        f'data-{name}-version="{document.version}" '
        f'data-{name}-document="{document.pk}" '
        f'data-{name}-lang="{escape(language)}" '
        f'data-{name}-name="{escape(language_label)}" '
        f'data-{name}-current="{current}"'
    )


def render(*, translation, rows, active: str) -> str:
    """``rows``: ``translation_selectors.aligned_rows``; ``active``: the side a phone
    shows first, "original" or "translation"."""
    documents = {"original": translation.original, "translation": translation.document}
    sources = {"original": translation.original_source, "translation": translation.source}
    languages = {
        "original": translation.original_source.language,
        "translation": translation.language,
    }
    names = {side: language_name(code) for side, code in languages.items()}
    renderers = {
        side: reader_extensions.passage_renderers(
            source=sources[side],
            document=documents[side],
            passages=[
                p for row in rows for p in (row.original if side == "original" else row.translation)
            ],
        )
        for side in SIDES
    }
    permalink_label = gettext("Permalink to passage %(n)s (%(language)s)")
    # A phone shows one side per row; the toggle shows the other (its name on the button).
    toggle_label = pgettext("side-by-side reader", "Show %(language)s")
    other = "translation" if active == "original" else "original"
    out = [
        '<div class="reader__text reader__text--parallel" '
        f'data-active-side="{escape(active)}" '
        + " ".join(
            _side_attributes(
                side,
                source=sources[side],
                document=documents[side],
                language=languages[side],
                language_label=names[side],
            )
            for side in SIDES
        )
        + ">\n"
    ]
    counters = {"original": 0, "translation": 0}
    for row in rows:
        out.append(f'<div class="aligned-row" id="row-{row.order + 1}">\n')
        for side, passages in (("original", row.original), ("translation", row.translation)):
            out.append(
                f'  <div class="aligned-row__side aligned-row__side--{side}'
                f'{" is-active" if side == active else ""}" lang="{escape(languages[side])}" '
                f'data-side="{side}">\n'
            )
            for passage in passages:
                counters[side] += 1
                out.append(
                    _passage(
                        passage,
                        renderers=renderers[side],
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


def _passage(passage, *, renderers, label: str) -> str:
    html_id = escape(passage.html_id)
    tag = "h2" if passage.kind == "heading" else "p"
    extras = "".join(render(passage) for render in renderers)
    parts = [
        f'    <div class="passage passage--{escape(passage.kind)}" id="{html_id}" '
        f'data-passage="{passage.pk}" data-start="{passage.start}" data-end="{passage.end}">\n',
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
