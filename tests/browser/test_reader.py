"""The founding paper in a real Chromium."""

import pytest

from apps.sources.models import Passage

from .axe import serious_violations

pytestmark = pytest.mark.browser

READER = "/sources/wong-2021-social-credit/"


def test_reader_shows_title_headings_and_schufa_passage(page, founding_paper):
    page.goto(READER)
    assert "Exploring China's Social Credit System" in page.locator("h1").inner_text()
    toc = page.get_by_role("navigation", name="Contents")
    assert toc.get_by_role("link").count() == 4
    schufa = page.locator(".passage", has_text="Schufa uses geo-scoring")
    assert schufa.count() == 1
    assert schufa.is_visible()
    joined = page.locator(".passage", has_text="have cooperated together in running pilot projects")
    assert joined.count() == 1
    assert page.js_errors == []


def test_permalink_lands_on_and_marks_its_passage(page, founding_paper):
    passage = Passage.objects.get(document=founding_paper.current_document, text__contains="Schufa")
    page.goto(f"{READER}#p-{passage.anchor}")
    target = page.locator(f"#p-{passage.anchor}")
    assert page.evaluate("() => location.hash") == f"#p-{passage.anchor}"
    assert page.evaluate("(el) => el.matches(':target')", target.element_handle())
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] < 900, box
    # The permalink symbol of a passage links to itself.
    href = target.locator("a.permalink").get_attribute("href")
    assert href == f"#p-{passage.anchor}"


def test_cite_box_offers_apa_and_bibtex(page, founding_paper):
    page.goto(READER)
    page.get_by_text("Cite", exact=True).click()
    bibtex = page.locator("#cite-bibtex").input_value()
    assert bibtex.startswith("@article{wong2021")
    assert "Global Media Journal" in bibtex
    assert "Wong, K. L. X. (2021)" in page.locator("#cite-apa").input_value()


def test_reader_works_at_phone_width(browser, live_server, founding_paper):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(READER)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0


@pytest.mark.parametrize("path", ["/", "/sources/", READER])
def test_no_serious_accessibility_violations(page, founding_paper, path):
    page.goto(path)
    assert serious_violations(page) == []


def test_zotero_finds_the_journal_article_in_the_page(page, founding_paper):
    """What Zotero's connector reads in the browser (issue 14): the Highwire citation_*
    tags (only names Highwire defines) and the COinS span describe the journal article;
    the CSL-JSON the API gives for this page, rendered by citeproc-py, is the APA the
    page's Cite box shows."""
    import json
    from urllib.parse import parse_qsl

    from apps.sources.models import Source
    from tests.citations import HIGHWIRE_NAMES, apa_from_csl

    Source.objects.filter(pk=founding_paper.pk).update(
        doi="10.36648/1550-7521.19.57.256", pages="1-3"
    )
    page.goto(READER)
    tags = page.evaluate(
        "() => [...document.querySelectorAll('meta[name^=\"citation_\"]')]"
        ".map(m => [m.name, m.content])"
    )
    names = {name for name, _content in tags}
    assert names <= HIGHWIRE_NAMES, names - HIGHWIRE_NAMES
    assert ["citation_journal_title", "Global Media Journal"] in tags
    assert ["citation_doi", "10.36648/1550-7521.19.57.256"] in tags
    coins = page.locator("span.Z3988").first.get_attribute("title")
    assert ("rft.jtitle", "Global Media Journal") in parse_qsl(coins)
    csl = page.request.get(
        "/api/sources/wong-2021-social-credit/",
        headers={"Accept": "application/vnd.citationstyles.csl+json"},
    )
    assert csl.ok
    page.get_by_text("Cite", exact=True).click()
    assert page.locator("#cite-apa").input_value() == apa_from_csl(json.loads(csl.text()))
    assert serious_violations(page) == []
