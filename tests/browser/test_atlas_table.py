"""Issue 15 in Chromium: countries picked by name, the entries table, comparing systems,
the year slider and the embeddable map."""

from __future__ import annotations

import http.server
import threading

import pytest
from playwright.sync_api import expect

from .test_atlas import run_axe

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    from apps.atlas.taxonomy import ensure_default_categories

    ensure_default_categories()


@pytest.fixture
def starter(founding_paper):
    from apps.atlas.starter import load_starter_data

    list(load_starter_data())


def test_compare_countries_chosen_by_name_with_the_keyboard(starter, page):
    page.goto("/atlas/compare/?countries=DE")
    box = page.get_by_role("combobox", name="Countries")
    box.fill("")
    box.press_sequentially("Chin", delay=20)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option", name="China", exact=True)).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute(
        "aria-activedescendant", listbox.locator("[role=option]").first.get_attribute("id")
    )
    box.press("Enter")
    expect(box).to_have_value("China, ")
    box.press_sequentially("germ", delay=20)
    box.press("Enter")  # the list is open: Enter picks the first match
    expect(box).to_have_value("China, Germany, ")
    box.press("Enter")  # closed: submits
    page.wait_for_url("**/compare/?countries=*")
    expect(page.locator(".compare-table thead")).to_contain_text("China")
    expect(page.locator(".compare-table thead")).to_contain_text("Germany")
    assert run_axe(page) == []
    assert page.js_errors == []


def test_entry_form_country_combobox(user, login_page):
    author = login_page(user)
    author.goto("/atlas/examples/new/")
    box = author.get_by_role("combobox", name="Country or scope")
    box.click()
    box.press_sequentially("united st", delay=20)
    author.get_by_role("option", name="United States of America").click()
    expect(author.locator("#id_country")).to_have_value("US")
    expect(box).to_have_value("United States of America")
    # A typed name that is exactly one country's is taken on leaving the box.
    box.fill("France")
    box.press("Tab")
    expect(author.locator("#id_country")).to_have_value("FR")
    # Anything else puts the last choice back: what is shown is what is sent.
    box.fill("Atlantis")
    box.press("Tab")
    expect(box).to_have_value("France")
    assert run_axe(author) == []
    assert author.js_errors == []


def test_entries_table_sorts_and_compares_ticked_entries(starter, page):
    from apps.atlas.models import Example

    page.goto("/atlas/")
    table = page.locator("#entries-table")
    rows = table.locator("tbody tr")
    expect(rows.first).to_be_visible()
    first_title = rows.first.locator("th").inner_text()
    title_heading = table.locator("th", has=page.locator("a[data-sort=title]"))
    expect(title_heading).to_have_attribute("aria-sort", "ascending")
    title_heading.get_by_role("link").click()
    expect(table.locator("th", has=page.locator("a[data-sort=title]"))).to_have_attribute(
        "aria-sort", "descending"
    )
    assert rows.first.locator("th").inner_text() != first_title
    # Tick two entries: the tray holds them; "Compare selected" opens the comparison.
    boxes = table.locator("input[data-compare-add]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    tray = page.locator("#compare-tray")
    expect(tray).to_be_visible()
    expect(tray.locator("[data-tray-list] li")).to_have_count(2)
    page.get_by_role("button", name="Compare selected entries").click()
    page.wait_for_url("**/atlas/compare/?entries=*")
    expect(page.locator("#compare-systems thead th")).to_have_count(3)
    expect(page.locator("#compare-systems tr.differs").first).to_be_visible()
    # Each codebook value opens its own citations, from the keyboard too.
    cited = page.locator("#compare-systems details.value-citations").first
    cited.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(cited.locator("li").first).to_be_visible()
    assert Example.objects.filter(status="published").count() >= 2
    assert run_axe(page) == []
    assert page.js_errors == []


def test_a_box_ticked_before_the_basket_script_runs_is_kept(starter, page):
    """A slow network: the reader ticks a box before compare-basket.js has run. The tick
    used to be undone when the script started (CI run of stop 23)."""
    held = []
    page.route("**/compare-basket*.js", lambda route: held.append(route))
    # Deferred scripts hold DOMContentLoaded back: the table is there before it.
    page.goto("/atlas/", wait_until="commit")
    box = page.locator("#entries-table input[data-compare-add]").first
    box.check()
    page.wait_for_timeout(100)
    assert held, "the script was not requested"
    held[0].continue_()
    tray = page.locator("#compare-tray")
    expect(tray.locator("[data-tray-list] li")).to_have_count(1)
    expect(box).to_be_checked()
    page.locator("#entries-table input[data-compare-add]").nth(1).check()
    expect(tray.locator("[data-tray-list] li")).to_have_count(2)
    assert page.js_errors == []


def test_add_to_comparison_from_entry_pages(starter, page):
    from apps.atlas.models import Example

    first, second = Example.objects.filter(status="published").order_by("pk")[:2]
    page.goto(first.get_absolute_url())
    page.get_by_role("button", name="Add to comparison").click()
    expect(page.get_by_role("button", name="Remove from comparison")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.goto(second.get_absolute_url())
    expect(page.locator("#compare-tray [data-tray-list] li")).to_have_count(1)
    page.get_by_role("button", name="Add to comparison").click()
    page.get_by_role("link", name="Compare these entries").click()
    page.wait_for_url(f"**/atlas/compare/?entries={first.pk},{second.pk}")
    head = page.locator("#compare-systems thead")
    expect(head).to_contain_text(first.title)
    expect(head).to_contain_text(second.title)
    assert run_axe(page) == []
    assert page.js_errors == []


def test_entries_table_stacks_on_a_phone(starter, page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/atlas/")
    cell = page.locator("#entries-table tbody tr").first.locator("td[data-label=Category]")
    content = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Category" in content
    assert cell.evaluate("el => getComputedStyle(el).display") == "block"


def test_year_slider_mirrors_the_boxes_and_filters(starter, page):
    page.goto("/atlas/")
    from_slider = page.locator("[data-year-slider=from]")
    to_slider = page.locator("[data-year-slider=to]")
    expect(from_slider).to_be_visible()
    from_slider.fill("2010")
    expect(page.locator("#f-year-from")).to_have_value("2010")
    page.fill("#f-year-to", "2005")  # typing in a box moves its slider
    expect(to_slider).to_have_value("2005")
    to_slider.fill("2022")
    expect(page.locator("#f-year-to")).to_have_value("2022")
    expect(page.locator("#f-unknown-years")).to_be_checked()
    page.locator("#f-unknown-years").uncheck()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**year_from=2010**")
    assert "year_to=2022" in page.url
    expect(page.locator("#f-unknown-years")).not_to_be_checked()
    expect(page.locator("#timeline svg[role=img]")).to_be_visible()
    assert run_axe(page) == []
    assert page.js_errors == []


def test_import_page_preview_is_accessible(starter, login_page, tmp_path):
    from tests.moderation.conftest import make_moderator

    moderator = make_moderator()
    path = tmp_path / "rows.csv"
    path.write_text(
        "title,summary,country,category,evidence_title,evidence_url,evidence_date\n"
        "Imported scheme,About it,China,geo-scoring,Src,https://example.org/i,2020-01-01\n"
        "Broken row,About it,Atlantis,geo-scoring,Src,https://example.org/j,2020-01-01\n",
        encoding="utf-8",
    )
    page = login_page(moderator)
    page.goto("/atlas/import/")
    assert run_axe(page) == []
    page.set_input_files("#import-file", str(path))
    page.get_by_role("button", name="Preview").click()
    expect(page.locator('#import-preview tr[data-row="3"]')).to_contain_text("Atlantis")
    assert run_axe(page) == []
    assert page.js_errors == []


def test_embed_is_framed_from_another_origin_and_the_atlas_is_not(starter, page, live_server):
    import re

    choropleth = re.compile(r"#(c6dbef|9ecae1|6baed6|3182bd|08519c)", re.I)
    # Another origin: a second little server on another port. (A page made up with
    # page.route counts as a public origin, and Chromium's local-network-access checks
    # block a public page from framing localhost whatever the headers say.)
    body = (
        "<!doctype html><html lang=en><title>A project page</title>"
        f'<iframe id="embed" title="Atlas" src="{live_server.url}/atlas/embed/?category=geo-scoring"'
        ' width="900" height="600"></iframe>'
        f'<iframe id="atlas" title="Atlas page" src="{live_server.url}/atlas/"'
        ' width="900" height="300"></iframe></html>'
    ).encode()

    class Host(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{server.server_address[1]}/project.html"
    try:
        page.goto(host)
        _check_framing(page, choropleth)
    finally:
        server.shutdown()


def _check_framing(page, choropleth):
    import re

    framed = page.frame_locator("#embed")
    expect(framed.locator("#atlas-map[data-ready=true]")).to_be_attached()
    expect(framed.locator('path[data-country="DE"]')).to_have_attribute("fill", choropleth)
    expect(framed.locator("#atlas-legend")).to_be_visible()
    expect(framed.get_by_role("link", name="Open this view in the atlas")).to_have_attribute(
        "href", re.compile(r"/atlas/\?category=geo-scoring$")
    )
    # The ordinary atlas page refuses to be framed (frame-ancestors 'none', DENY).
    blocked = page.frame_locator("#atlas")
    expect(blocked.locator("#atlas-headline")).to_have_count(0)
    assert page.js_errors == []


def test_embed_page_and_snippet_are_accessible(starter, page):
    page.goto("/atlas/embed/")
    expect(page.locator("#atlas-map[data-ready=true]")).to_be_attached()
    assert run_axe(page) == []
    page.goto("/atlas/?category=geo-scoring")
    page.locator("#embed summary").click()
    expect(page.locator("#embed-code")).to_contain_text("/atlas/embed/?category=geo-scoring")
    assert page.js_errors == []


def test_lifecycle_changes_recorded_with_the_keyboard_show_on_the_entry_page(starter, login_page):
    """A moderator dates a lifecycle change from the entry page's link, by keyboard; the
    entry page shows it in its timeline; both pages pass axe."""
    from apps.atlas.models import Example
    from tests.moderation.conftest import make_moderator

    entry = Example.objects.filter(status="published").order_by("pk").first()
    page = login_page(make_moderator())
    page.goto(entry.get_absolute_url())
    page.get_by_role("link", name="Date lifecycle changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lifecycle changes")
    assert run_axe(page) == []
    page.get_by_label("Changed to").select_option("pilot")
    page.locator("#lifecycle-date").fill("2015-03")  # "Date" is also in "Publication date"
    page.locator("#lifecycle-evidence_title").fill("Pilot announced")
    page.get_by_label("Evidence URL").fill("https://example.org/pilot")
    page.get_by_label("Evidence URL").press("Enter")
    expect(page.locator("table.lifecycle-events")).to_contain_text("2015-03")
    assert run_axe(page) == []
    page.goto(entry.get_absolute_url())
    timeline = page.locator(".lifecycle-timeline")
    expect(timeline).to_contain_text("2015-03")
    expect(timeline.get_by_role("link", name="Pilot announced")).to_be_visible()
    assert run_axe(page) == []
    assert page.js_errors == []
