"""Issue 15: the embeddable map is the one page other sites may frame."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_embed_may_be_framed_and_nothing_else(client, user, make_published):
    make_published(user)
    for attempt in range(2):  # the second answer comes from the page cache
        embed = client.get("/atlas/embed/?category=geo-scoring")
        assert embed.status_code == 200, attempt
        assert "X-Frame-Options" not in embed, attempt
        assert _frame_ancestors(embed) == "frame-ancestors *", attempt
        assert "public" in embed["Cache-Control"]
    atlas = client.get("/atlas/")
    assert atlas["X-Frame-Options"] == "DENY"
    assert _frame_ancestors(atlas) == "frame-ancestors 'none'"


def test_embed_has_legend_licence_attribution_and_a_link_back(client, user, make_published):
    make_published(user)
    html = client.get("/atlas/embed/?category=geo-scoring&lifecycle=active").content.decode()
    assert 'id="atlas-legend"' in html and "CC BY 4.0" in html and "Natural Earth" in html
    assert "/atlas/?category=geo-scoring&amp;lifecycle=active" in html
    assert '<base target="_blank">' in html
    assert "site-header" not in html  # chrome-less
    assert "1 example in 1 country" in html


def test_map_page_offers_the_iframe_snippet_for_its_filters(client):
    html = client.get("/atlas/?lifecycle=pilot").content.decode()
    assert "&lt;iframe src=&quot;" in html or '&lt;iframe src="' in html
    assert "/atlas/embed/?lifecycle=pilot" in html


def test_embed_bad_filter_is_a_400(client):
    response = client.get("/atlas/embed/?category=astrology")
    assert response.status_code == 400 and "Unknown category" in response.content.decode()
