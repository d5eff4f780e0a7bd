"""User-written Markdown -> safe HTML.

``@username`` mentions become links when the caller says where a user's page is
(``mention_url``: only existing people get a link; the accounts app builds it,
apps/accounts/mentions.py), so a mention looks the same wherever it is read.

markdown-it-py renders (raw HTML disabled, so tags in the input stay text), then nh3
sanitises the result with an allow-list as a second line of defence. Every link gets
rel="nofollow ugc noopener": user content must not pass on ranking or the opener.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

# Usernames may contain letters, digits and @ . + - _ ; a mention ends before trailing
# dots. The notifications read mentions with the same pattern.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
_MENTION_NAME = re.compile(r"[\w.+-]{1,150}")
MAX_MENTIONS = 20


def mentioned_usernames(text: str) -> list[str]:
    """The distinct usernames ``text`` mentions, in order, at most MAX_MENTIONS."""
    names: list[str] = []
    for match in MENTION.finditer(text or ""):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names[:MAX_MENTIONS]


def _mention(state, silent: bool) -> bool:
    """markdown-it inline rule: ``@name`` → a link to the user's page, when the render's
    ``env["mention_url"]`` knows them. Not inside another link's text."""
    resolve = state.env.get("mention_url") if isinstance(state.env, dict) else None
    position = state.pos
    if resolve is None or state.src[position] != "@" or state.linkLevel > 0:
        return False
    if position > 0 and (state.src[position - 1].isalnum() or state.src[position - 1] in "_@"):
        return False
    match = _MENTION_NAME.match(state.src, position + 1)
    if not match:
        return False
    name = match.group(0).rstrip(".")
    url = resolve(name) if name else None
    if not url:
        return False
    if not silent:
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": url}
        text = state.push("text", "", 0)
        text.content = "@" + name
        state.push("link_close", "a", -1)
    state.pos = position + 1 + len(name)
    return True


_md.inline.ruler.before("emphasis", "mention", _mention)

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


def render_markdown(text: str, *, mention_url: Callable[[str], str | None] | None = None) -> str:
    """Render user Markdown to sanitised HTML (safe to mark_safe in templates);
    ``mention_url(username)`` gives the link for a mention, or None for no link."""
    if not text:
        return ""
    return sanitize_html(_md.render(text, {"mention_url": mention_url} if mention_url else {}))


# Text that Markdown leaves as it is (``markdown_to_text``'s shortcut): letters, digits,
# spaces, plain punctuation and characters outside the syntax (the search's highlight
# markers, U+E000/U+E001); a hyphen only inside a line, and no line that starts a list.
_PLAIN = re.compile(r"(?:[^\W_]|[\s.,;:?'\"()\-\ue000\ue001])*")
_BLOCK_START = re.compile(r"^[ \t]*(?:-|\d+[.)])", re.MULTILINE)


def markdown_to_text(text: str) -> str:
    """User Markdown as the words a reader sees, without its syntax (``*``, ``#``,
    ``[label](url)``…): for snippets, summaries and plain-text places. Characters outside
    the syntax (search highlight markers included) pass through."""
    if not text:
        return ""
    if _PLAIN.fullmatch(text) and not _BLOCK_START.search(text):
        # Prose without a character Markdown gives a meaning to renders as itself: parsing
        # and cleaning it cost ~0.3 ms a snippet (twenty a search page).
        return " ".join(text.split())
    plain = nh3.clean(_md.render(text), tags=set(), strip_comments=True)
    return " ".join(html.unescape(plain).split())
