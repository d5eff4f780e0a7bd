"""The /search/ page, the header search box and the reader's highlight hook."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/search/"


def test_url_name():
    assert reverse("search:search") == URL


def test_header_search_box_is_on_every_page(client, founding_paper):
    for path in ("/", "/sources/", founding_paper.get_absolute_url()):
        html = client.get(path).content.decode()
        assert 'role="search"' in html
        assert f'action="{URL}"' in html
        assert '<label for="site-search-q"' in html
        assert 'id="site-search-q" name="q"' in html


def test_results_page(client, founding_paper, django_assert_max_num_queries, search_queries):
    # Per kind one query finds, counts and facet-counts the matches; one per kind shown
    # (sources and passages here) builds its hits; with few results one checks "did you
    # mean" (spelling.py).
    with django_assert_max_num_queries(search_queries(7)):
        response = client.get(URL, {"q": "Schufa"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "results for “Schufa”" in html
    assert "<mark>Schufa</mark>" in html
    assert f'href="/sources/{founding_paper.slug}/?highlight=' in html
    # Kind tabs and facets link back to the search with one more filter.
    assert 'href="/search/?q=Schufa&amp;kind=passage"' in html
    assert f'href="/search/?q=Schufa&amp;source={founding_paper.slug}"' in html
    assert 'href="/search/?q=Schufa&amp;year=2021"' in html


def test_results_page_signed_in_query_count(
    user_client, founding_paper, django_assert_max_num_queries, search_queries
):
    # Session, user, groups; three kinds have a year; the passages' hits; notifications.
    with django_assert_max_num_queries(search_queries(8)):
        response = user_client.get(URL, {"q": "credit", "kind": "passage", "year": "2021"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "remove the Year filter" in html
    assert 'aria-current="page">Passages' in html


def test_empty_state_helps(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Type a few words" in html
    assert 'href="/search/?q=Schufa"' in html
    assert 'href="/sources/"' in html


def test_no_result_state_helps(client, founding_paper):
    response = client.get(URL, {"q": "zzyzx", "year": "2021"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "0 results for “zzyzx”" in html
    assert "Nothing matched" in html
    assert 'href="/search/?q=zzyzx">search again without filters' in html


def test_too_long_query_is_a_400_page_with_the_message(client):
    response = client.get(URL, {"q": "x" * 1001})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "at most 1,000 characters" in html


def test_unknown_kind_or_facet_value_is_a_400_page(client, founding_paper):
    assert client.get(URL, {"q": "credit", "kind": "nope"}).status_code == 400
    response = client.get(URL, {"q": "credit", "source": "nope"})
    assert response.status_code == 400
    assert "There is no source “nope”" in response.content.decode()
    # Unknown parameter names are ignored on the page (links get decorated by others).
    assert client.get(URL, {"q": "credit", "utm_source": "x"}).status_code == 200


def test_reader_loads_the_highlighter_only_for_search_hits(client, founding_paper):
    reader = founding_paper.get_absolute_url()
    assert "search-highlight.js" not in client.get(reader).content.decode()
    assert "search-highlight.js" in client.get(reader, {"highlight": "Schufa"}).content.decode()


def test_results_page_pagination_links(client, make_source):
    for n in range(3):
        make_source(f"Possum {n}", f"# H\n\nPossum paragraph {n}.")
    html = client.get(URL, {"q": "possum", "kind": "passage", "page_size": 2}).content.decode()
    assert 'href="/search/?q=possum&amp;kind=passage&amp;page_size=2&amp;page=2" rel="next"' in html
    html = client.get(
        URL, {"q": "possum", "kind": "passage", "page_size": 2, "page": 2}
    ).content.decode()
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert '<ol class="hits" aria-labelledby="results-heading" start="3">' in html


def test_facet_counts_are_public_and_kept_until_a_public_change(
    client, user, other_user, annotate, settings
):
    annotate(user, "Dingo, a private note.", tags=["secret-tag"], visibility="private")

    def facet_links(viewer=None):
        if viewer:
            client.force_login(viewer)
        else:
            client.logout()
        return client.get(URL, {"q": "dingo"}).content.decode()

    # The search page is public: nobody is shown the author's private tag, the author
    # neither (the API answers them what they may see, their private note included).
    assert "tag=secret-tag" not in facet_links(user)
    assert "tag=secret-tag" not in facet_links(other_user)
    assert "tag=secret-tag" not in facet_links()
    client.force_login(user)
    api = client.get("/api/search/", {"q": "dingo"}).json()
    assert api["counts_by_kind"]["annotation"] == 1

    # A public change bumps the versions at write: the next request counts afresh.
    annotate(user, "Dingo, in public.", tags=["open-tag"])
    assert "tag=open-tag" in facet_links()


@pytest.mark.parametrize(
    "changes",
    [{"page": None, "tag": "x"}, {"kind": None}, {"page": 2}, {"q": "a b&c"}, {"new": "é"},
     {"q": None, "kind": None, "tag": None, "note": None}],
)  # fmt: skip
def test_links_are_built_as_querydict_would(changes):
    """The page's links (tabs, facets, pages) are built without copying the QueryDict
    each time; they must be the same URLs."""
    from django.http import QueryDict

    from apps.search.views import _url_maker

    params = QueryDict("q=credit+score&kind=passage&tag=a&tag=b&note=%C3%A9t%C3%A9")
    expected = params.copy()
    for key, value in changes.items():
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
    encoded = expected.urlencode()
    assert _url_maker(params)(**changes) == "/search/" + (f"?{encoded}" if encoded else "")


@pytest.mark.parametrize(
    "query",
    ["q=credit+score&kind=passage&page=2", "tag=&q=a+b%26c&page=3&note=%C3%A9t%C3%A9",
     "tag=a&tag=b&q=x", "page=2", ""],
)  # fmt: skip
@pytest.mark.parametrize("value", ["credit", "country:DE", "a b&c=d", "é/ü", "%00"])
def test_facet_value_links_are_the_links_url_with_builds(query, value):
    """A facet's links encode only their value, the rest of the query string once: the
    same URLs as ``url_with(page=None, name=value)``, the facet keeping its place."""
    from django.http import QueryDict

    from apps.search.views import _url_maker, _value_url_maker

    params = QueryDict(query)
    link = _value_url_maker("/search/", params, "tag", page=None)
    assert link(value) == _url_maker(params)(page=None, tag=value)


@pytest.mark.parametrize("thousands", [False, True])
def test_facet_value_items_render_as_the_template_loop(settings, thousands):
    """The facet list's tag renders what the template loop it replaced rendered."""
    from django.template import Context, Template
    from django.utils.safestring import mark_safe

    settings.USE_THOUSAND_SEPARATOR = thousands
    values = [
        {"label": "<b>Ex & Co</b>", "count": 1234, "url": "/search/?q=a&tag=%3Cb%3E"},
        {"label": mark_safe("<i>safe</i>"), "count": 7, "url": '/search/?q=x"y'},
        {"label": "Deutschland", "count": 1_000_001, "url": "/search/"},
    ]
    loop = Template(
        '{% for v in values %}<li><a href="{{ v.url }}">{{ v.label }}</a> '
        '<span class="count">({{ v.count }})</span></li>{% endfor %}'
    )
    tag = Template("{% load search_tags %}{% facet_value_items values %}")
    context = {"values": values}
    assert tag.render(Context(context)) == loop.render(Context(context))


def test_facet_counts_say_when_they_cover_a_sample(client, make_source, monkeypatch):
    """Above the cap a kind's facet values are counted among its sampled matches only
    (ADR 0024): the facet list says so, and says nothing when the counts are exact."""
    monkeypatch.setattr("apps.search.contract.COUNT_CAP", 2)
    monkeypatch.setattr("apps.search.selectors.COUNT_CAP", 2)
    for n in range(4):
        make_source(f"Emu {n}", f"# H\n\nEmu paragraph {n}.")
    sampled = client.get(URL, {"q": "emu"}).content.decode()
    assert "These counts cover the first 3 matches of each kind, not all of them." in sampled
    exact = client.get(URL, {"q": "emu paragraph 1"}).content.decode()
    assert "Narrow down" in exact and "These counts cover" not in exact


@pytest.mark.parametrize("language", ["en", "de"])
def test_hit_items_render_as_the_template_loop(language):
    """The hits' tag renders what the loop over the included hit template rendered (but
    for the whitespace between elements): escaped texts, marked snippets, the language,
    a translated passage's aligned original."""
    import re

    from django.template import Context, Template
    from django.utils import translation
    from django.utils.safestring import mark_safe

    from apps.search.contract import Aligned, Hit

    hits = [
        Hit(kind="passage", id=1, title="T", snippet=mark_safe("a <mark>Schufa</mark> b"),
            url="/sources/x/?highlight=schufa#p-1", score=1.0,
            title_html=mark_safe("<mark>T</mark> & co"), meta="Wong · 2021",
            kind_label="Passage", language="de",
            aligned=Aligned(language="zh-hans", language_label="Chinese <simplified>",
                            text=" ".join(["word"] * 80) + " <b>", url="/sources/x/side/?a=1&b=2")),
        Hit(kind="annotation", id=2, title="<script>", snippet=mark_safe(""), url='/a?"x"',
            score=0.5, title_html="<script>x</script>", meta="", kind_label="Annotation"),
        Hit(kind="entry", id=3, title="E", snippet=mark_safe("s"), url="/e/", score=0.1,
            title_html="E", meta="Germany & co", kind_label="Atlas entry"),
    ]  # fmt: skip
    loop = Template(
        '{% load i18n %}{% for hit in hits %}<li class="hit hit--{{ hit.kind }}">'
        # What templates/search/_hit.html held before the tag replaced it.
        '<p class="hit__kind">{{ hit.kind_label }}</p><h3 class="hit__title"><a href="'
        '{{ hit.url }}">{{ hit.title_html }}</a></h3>{% if hit.meta %}<p class="hit__meta">'
        '{{ hit.meta }}</p>{% endif %}{% if hit.snippet %}<p class="hit__snippet"'
        '{% if hit.language %} lang="{{ hit.language }}"{% endif %}>{{ hit.snippet }}</p>'
        '{% endif %}{% if hit.aligned %}<figure class="hit__aligned">'
        "<figcaption>{% blocktranslate with language=hit.aligned.language_label %}Aligned "
        'original ({{ language }}){% endblocktranslate %} · <a href="{{ hit.aligned.url }}">'
        '{% translate "side by side" %}</a></figcaption><blockquote lang="'
        '{{ hit.aligned.language }}">{{ hit.aligned.text|truncatewords:60 }}</blockquote>'
        "</figure>{% endif %}</li>{% endfor %}"
    )
    tag = Template("{% load search_tags %}{% hit_items hits %}")

    def squeeze(html: str) -> str:
        return re.sub(r">\s+<", "><", html).strip()

    with translation.override(language):
        expected = squeeze(loop.render(Context({"hits": hits})))
        assert squeeze(tag.render(Context({"hits": hits}))) == expected
    assert "&lt;script&gt;" in expected and "<mark>Schufa</mark>" in expected
