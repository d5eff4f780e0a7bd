"""User-written Markdown -> safe HTML.

markdown-it-py renders (raw HTML disabled, so tags in the input stay text), then nh3
sanitises the result with an allow-list as a second line of defence. Every link gets
rel="nofollow ugc noopener": user content must not pass on ranking or the opener.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Strip everything outside the allow-list; force safe link relations."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render user Markdown to sanitised HTML (safe to mark_safe in templates)."""
    if not text:
        return ""
    return sanitize_html(_md.render(text))


def markdown_to_text(text: str) -> str:
    """User Markdown as the words a reader sees, without its syntax (``*``, ``#``,
    ``[label](url)``…): for snippets, summaries and plain-text places. Characters outside
    the syntax (search highlight markers included) pass through."""
    if not text:
        return ""
    plain = nh3.clean(_md.render(text), tags=set(), strip_comments=True)
    return " ".join(html.unescape(plain).split())
