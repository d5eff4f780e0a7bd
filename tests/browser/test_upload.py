"""A signed-in scholar adds sources through the pages: the file first, then its details,
pre-filled from the file (apps/sources/add_views.py)."""

import pytest

from tests import samples
from tests.browser.axe import serious_violations

pytestmark = pytest.mark.browser


def choose_file(page, name, mime, data):
    page.goto("/sources/add/")
    page.get_by_label("File").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.get_by_role("button", name="Upload and read its details").click()


@pytest.mark.parametrize(
    ("name", "mime", "make", "expected_heading"),
    [
        ("scoring.pdf", "application/pdf", samples.pdf_bytes, "Scoring in practice"),
        ("scoring.html", "text/html", samples.html_bytes, "Geo-scoring"),
        ("scoring.md", "text/markdown", samples.markdown_bytes, "Geo-scoring"),
    ],
)
def test_upload_becomes_a_readable_source(login_page, user, name, mime, make, expected_heading):
    page = login_page(user)
    choose_file(page, name, mime, make())
    page.get_by_label("Title").fill(f"Scoring in practice ({name})")
    page.get_by_label("Authors").fill("Jane Doe\nJohn Roe")
    page.get_by_label("Year").fill("2024")
    page.get_by_label("Licence", exact=True).fill("CC BY 4.0")
    page.get_by_role("button", name="Add the source and import it").click()
    page.get_by_role("link", name="Open the reader").click()
    assert f"Scoring in practice ({name})" in page.locator("h1").inner_text()
    assert page.locator(".passage--heading", has_text=expected_heading).count() >= 1
    assert page.locator(".passage", has_text="geo-scoring").count() >= 1
    assert page.locator(".reader__authors").inner_text() == "Jane Doe and John Roe"


def test_bad_file_gets_a_clear_form_error(login_page, user):
    page = login_page(user)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    choose_file(page, "notes.txt", "text/plain", png)
    alert = page.get_by_role("alert")
    assert "looks like a PNG image" in alert.inner_text()


def test_a_wrong_year_keeps_the_file_and_the_prefilled_details(login_page, user):
    page = login_page(user)
    pdf = samples.pdf_bytes(title="Geo-scoring in Europe", author="Jane Doe; John Roe")
    choose_file(page, "geo.pdf", "application/pdf", pdf)
    # Read from the PDF's information dictionary.
    assert page.get_by_label("Title").input_value() == "Geo-scoring in Europe"
    assert page.get_by_label("Authors").input_value() == "Jane Doe\nJohn Roe"
    assert "geo.pdf" in page.locator("#kept-file").inner_text()
    assert serious_violations(page) == []

    page.get_by_label("Year").fill("3021")
    page.get_by_role("button", name="Add the source and import it").click()
    assert "The year cannot be in the future." in page.get_by_role("alert").inner_text()
    # Same file, same details: nothing to choose or type again.
    assert "geo.pdf" in page.locator("#kept-file").inner_text()
    assert page.get_by_label("Title").input_value() == "Geo-scoring in Europe"
    assert page.get_by_label("Authors").input_value() == "Jane Doe\nJohn Roe"
    assert page.get_by_label("Year").input_value() == "3021"

    page.get_by_label("Year").fill("2021")
    page.get_by_role("button", name="Add the source and import it").click()
    page.get_by_role("link", name="Open the reader").click()
    assert "Geo-scoring in Europe" in page.locator("h1").inner_text()
    assert page.locator(".reader__authors").inner_text() == "Jane Doe and John Roe"


def test_abandoning_deletes_the_kept_file(login_page, user):
    page = login_page(user)
    choose_file(page, "scoring.md", "text/markdown", samples.markdown_bytes())
    page.get_by_role("button", name="Abandon: delete the file").click()
    assert page.url.endswith("/sources/add/")
    assert "The file was deleted; nothing was added." in page.content()
    assert page.get_by_role("heading", name="Waiting for their details").count() == 0
