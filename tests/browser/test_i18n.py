"""The interface in three languages in Chromium (ADR 0012): the header's switcher changes
the language and keeps the URL, a first visit follows the browser's language, and German
and Chinese pages fit a 390 px phone and pass axe-core like the English ones."""

from __future__ import annotations

import pytest

from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/sources/",
    "/sources/wong-2021-social-credit/",
    "/atlas/",
    "/atlas/codebook/",
    "/atlas/compare/?countries=DE,CN",
    "/search/?q=social",
    "/accounts/login/",
    "/no-such-page/",
]


@pytest.fixture
def world(transactional_db, founding_paper):
    from apps.atlas.starter import load_starter_data

    list(load_starter_data())  # categories with their translations, the paper's entries
    return founding_paper


def _context(browser, live_server, *, locale: str, width: int = 1280, height: int = 900):
    return browser.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
    )


def test_the_switcher_changes_the_language_and_keeps_the_url(browser, live_server, world):
    context = _context(browser, live_server, locale="de-DE")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto("/sources/")
        assert page.locator("html").get_attribute("lang") == "de"  # from Accept-Language
        assert page.get_by_role("link", name="Zum Inhalt springen").count() == 1
        # A first visitor has no CSRF cookie yet: the form asks /api/me/ for one first.
        assert not [c for c in context.cookies() if c["name"] == "csrftoken"]
        page.get_by_label("Sprache").select_option("zh-hans")
        with page.expect_navigation():
            page.get_by_role("button", name="Sprache ändern").click()
        assert page.url == f"{live_server.url}/sources/"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.get_by_role("button", name="切换语言").is_visible()
        cookie = {c["name"]: c["value"] for c in context.cookies()}
        assert cookie["django_language"] == "zh-hans"
        page.goto("/atlas/")  # remembered: the cookie beats Accept-Language: de
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert "地图集" in page.title()
        page.get_by_label("语言").select_option("en")
        with page.expect_navigation():
            page.get_by_role("button", name="切换语言").click()
        assert page.url == f"{live_server.url}/atlas/"
        assert page.locator("html").get_attribute("lang") == "en"
        assert errors == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["de-DE", "zh-CN"])
def test_translated_pages_fit_a_phone_and_pass_axe(browser, live_server, world, locale):
    """Long German compounds and unspaced Chinese wrap inside 390 px (nothing scrolls
    sideways) and axe-core finds nothing serious."""
    context = _context(browser, live_server, locale=locale, width=390, height=844)
    page = context.new_page()
    try:
        problems: list[str] = []
        for path in PAGES:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate(
                """() => {
                  const width = document.documentElement.clientWidth;
                  const wide = [...document.querySelectorAll('body *')].filter((el) => {
                    const box = el.getBoundingClientRect();
                    return box.width > 0 && box.right > width + 1
                      && getComputedStyle(el).position !== 'fixed'
                      && !el.closest('.leaflet-container, .table-scroll, pre, textarea');
                  });
                  return {scroll: document.documentElement.scrollWidth - width,
                          wide: wide.slice(0, 3).map((el) => el.tagName + '.' + el.className + ': '
                            + (el.textContent || '').trim().slice(0, 40))};
                }"""
            )
            if overflow["scroll"] > 1 or overflow["wide"]:
                problems.append(f"{path}: {overflow}")
            violations = serious_violations(page)
            if violations:
                problems.append(f"{path}: axe {violations}")
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
