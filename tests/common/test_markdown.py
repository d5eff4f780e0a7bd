"""User Markdown is rendered to HTML that cannot run script, whatever the input."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.common.markdown import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, render_markdown, sanitize_html


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: it drops ASCII tab/newline and leading control
    characters and spaces before parsing (WHATWG URL)."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
    )
    match = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def assert_safe(markup: str) -> None:
    assert "<script" not in markup.lower()
    for tag, attrs in elements(markup):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs.items():
            assert not name.lower().startswith("on"), (tag, name)
            assert name not in ("style", "src", "srcdoc", "formaction"), (tag, name)
            if name == "href":
                # "javascript:" (in any spelling a browser accepts) never starts a link;
                # "%20javascript:..." is a harmless relative URL.
                scheme = url_scheme(value or "")  # the parser already decoded entities
                assert scheme is None or scheme in ALLOWED_URL_SCHEMES, value
        if tag == "a" and "href" in attrs:
            assert attrs.get("rel") == "nofollow ugc noopener"


# --- Examples ------------------------------------------------------------------------------


def test_plain_markdown():
    assert render_markdown("Some *emphasis* and **strong** `code`.") == (
        "<p>Some <em>emphasis</em> and <strong>strong</strong> <code>code</code>.</p>\n"
    )
    assert render_markdown("") == ""


def test_raw_html_is_escaped_not_rendered():
    rendered = render_markdown("<script>alert(1)</script>\n\n<b onclick='x()'>bold</b>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "&lt;b onclick=" in rendered
    assert_safe(rendered)


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](%20javascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<javascript:alert(1)>",
        "[ref]\n\n[ref]: javascript:alert(1)",
    ],
)
def test_dangerous_links_do_not_become_links(source):
    rendered = render_markdown(source)
    assert_safe(rendered)


def test_links_get_safe_rel():
    rendered = render_markdown(
        '[a report](https://example.org/r?x=1&y=2 "Title") and <mailto:a@example.org>'
    )
    assert (
        '<a href="https://example.org/r?x=1&amp;y=2" title="Title" rel="nofollow ugc noopener">a report</a>'
        in rendered
    )
    assert '<a href="mailto:a@example.org" rel="nofollow ugc noopener">' in rendered


def test_sanitiser_is_a_second_line_of_defence():
    dirty = (
        '<p onclick="x()">hi <a href="javascript:alert(1)" rel="opener">x</a>'
        '<a href="https://example.org" target="_blank">y</a><img src=x onerror=alert(1)>'
        "<script>alert(2)</script><iframe src=//evil></iframe><!-- note --></p>"
    )
    clean = sanitize_html(dirty)
    assert_safe(clean)
    assert "alert(2)" not in clean and "iframe" not in clean and "note" not in clean
    assert '<a href="https://example.org" rel="nofollow ugc noopener">y</a>' in clean


def test_tables_and_lists_are_kept():
    rendered = render_markdown("| a | b |\n|---|:-:|\n| 1 | 2 |\n\n3. three\n4. four\n")
    assert "<table>" in rendered and "<td" in rendered
    assert '<ol start="3">' in rendered


# --- Properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "[", "]", "(", ")", "](", "<", ">", "</", "/>", '"', "'", "`", "```", "\n", "\n\n", " ", "\t",
    "javascript:", "JaVaScRiPt:", "java\tscript:", "vbscript:", "data:text/html,", "&#x09;", "&#58;",
    "&colon;", "%0a", "<script>", "</script>", "<img src=x ", "onerror=", "onclick=", " on", "alert(1)",
    "<a href=", "<svg onload=", "<iframe", "style=", "![", "http://", "https://e.org", "mailto:",
    "*", "_", "#", "> ", "- ", "1. ", "|", "---", "\\", "[x]: ",
]  # fmt: skip
markdownish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map(
    "".join
)


@settings(max_examples=400, deadline=None)
@given(markdownish)
def test_rendered_markdown_is_always_safe(source):
    assert_safe(render_markdown(source))


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_is_safe(source):
    assert_safe(render_markdown(source))


@settings(max_examples=300, deadline=None)
@given(markdownish)
def test_sanitiser_is_safe_on_arbitrary_html(source):
    assert_safe(sanitize_html(source))


# --- @mentions (issue 14) -------------------------------------------------------------------


def _links_for(known):
    return lambda name: f"/users/{name}/" if name in known else None


def test_mentions_of_known_people_become_links_and_others_stay_text():
    html = render_markdown(
        "Thanks @ada and @nobody; mail me at me@example.org. Also [see @ada](https://x.org).",
        mention_url=_links_for({"ada"}),
    )
    assert '<a href="/users/ada/" rel="nofollow ugc noopener">@ada</a>' in html
    assert "@nobody" in html and "/users/nobody/" not in html
    assert "/users/example.org/" not in html  # an e-mail address is no mention
    assert html.count("/users/ada/") == 1  # not inside another link's text


def test_a_trailing_dot_ends_a_mention_and_without_a_resolver_nothing_is_linked():
    html = render_markdown("Ask @ada.", mention_url=_links_for({"ada"}))
    assert '<a href="/users/ada/" rel="nofollow ugc noopener">@ada</a>.' in html
    assert "<a" not in render_markdown("Ask @ada.")


@given(st.text(alphabet="@ab._-+ \n*[]()`", max_size=60))
@settings(max_examples=200, deadline=None)
def test_mentions_never_break_the_allow_list(text):
    html = render_markdown(text, mention_url=_links_for({"a", "ab", "b"}))
    assert sanitize_html(html) == html


def _rendered_text(text: str) -> str:
    """What ``markdown_to_text`` gives by rendering (its shortcut must agree with it)."""
    import html

    import nh3

    from apps.common.markdown import _md

    plain = nh3.clean(_md.render(text), tags=set(), strip_comments=True)
    return " ".join(html.unescape(plain).split())


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("aZé1 9\n\t.,;:?'\"()-_*#>[]!`~|=+<&@\\\ue000\ue001")),
        max_size=60,
    )
)
def test_plain_prose_shortcut_agrees_with_rendering(text):
    # markdown_to_text skips the parser for text without Markdown syntax (search
    # snippets): whatever the text, the result is the rendered one.
    from apps.common.markdown import markdown_to_text

    assert markdown_to_text(text) == _rendered_text(text)


@pytest.mark.parametrize(
    "text",
    ["1. first\n2. second", "  - item", "a\n---", "title\n===", "plain words, (really): yes? 'q'"],
)
def test_plain_prose_shortcut_on_block_syntax(text):
    from apps.common.markdown import markdown_to_text

    assert markdown_to_text(text) == _rendered_text(text)
