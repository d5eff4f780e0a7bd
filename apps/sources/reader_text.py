"""The reader's passage markup: the table of contents and every passage of one version,
with what other apps put inside each passage (``reader_extensions.passage_renderers``).

Built in Python rather than through a template: it is the one piece of HTML whose size
grows with the document (hundreds of passages), and the template loop with an include per
passage was most of a cold reader's time (docs/benchmarks.md, "HTTP caching"). Every value
is escaped here with the standard library's ``html.escape`` (Django's ``escape`` is the
same plus a lazy-string wrapper that cost a fifth of the loop); the renderers return
escaped HTML.
"""

from __future__ import annotations

from html import escape

from django.utils.translation import gettext

from . import reader_extensions, selectors


def render(*, source, document) -> str:
    passages = selectors.passage_rows_for_document(document=document)
    # A proposal or a withdrawn version is read, not annotated or linked to.
    renderers = (
        reader_extensions.passage_renderers(source=source, document=document, passages=passages)
        if document.is_published
        else []
    )
    out: list[str] = []
    headings = [p for p in passages if p.kind == "heading"]
    if headings:
        # Folded on a phone so the text starts on the first screen; static/js/site.js
        # opens it where there is room beside the text (data-open-wide).
        out.append(
            '<nav class="toc" aria-labelledby="toc-title">\n'
            '  <details class="toc__fold" data-open-wide>\n'
            f'  <summary><h2 id="toc-title">{escape(gettext("Contents"))}</h2></summary>\n  <ol>'
        )
        out.extend(
            f'<li><a href="#{escape(h.html_id)}">{escape(h.text)}</a></li>' for h in headings
        )
        out.append("</ol>\n  </details>\n</nav>\n")
    out.append(f'<article class="reader__text" lang="{escape(source.language)}">\n')
    # One translation, escaped once, for the whole loop; the number (digits) goes in
    # afterwards. A handful of kinds: each escaped once (~250 escapes fewer a page).
    permalink_label = escape(gettext("Permalink to passage %(n)s"))
    kinds: dict[str, str] = {}
    for n, passage in enumerate(passages, start=1):
        html_id = escape(passage.html_id)
        tag = "h2" if passage.kind == "heading" else "p"
        kind = kinds.get(passage.kind) or kinds.setdefault(passage.kind, escape(passage.kind))
        extras = "".join(render(passage) for render in renderers)
        out.append(
            f'<div class="passage passage--{kind}" id="{html_id}" '
            f'data-passage="{passage.pk}" data-start="{passage.start}" data-end="{passage.end}">\n'
            f'  <{tag} class="passage__text">{escape(passage.text)}</{tag}>\n'
        )
        if extras:
            out.append(f'  <div class="passage__extras">{extras}</div>\n')
        out.append(
            '  <div class="passage__tools">\n'
            f'    <a class="permalink" href="#{html_id}" '
            f'aria-label="{permalink_label % {"n": n}}">¶</a>\n'
            "  </div>\n</div>\n"
        )
    out.append("</article>\n")
    return "".join(out)
