"""A signed-in scholar uploads PDF, HTML and Markdown files through the page."""

import pytest

from tests import samples

pytestmark = pytest.mark.browser


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
    page.goto("/sources/add/")
    page.get_by_label("Title").fill(f"Scoring in practice ({name})")
    page.get_by_label("Authors").fill("Jane Doe\nJohn Roe")
    page.get_by_label("Year").fill("2024")
    page.get_by_label("Licence", exact=True).fill("CC BY 4.0")
    page.get_by_label("File").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": make()}]
    )
    page.get_by_role("button", name="Upload and import").click()
    page.get_by_role("link", name="Open the reader").click()
    assert f"Scoring in practice ({name})" in page.locator("h1").inner_text()
    assert page.locator(".passage--heading", has_text=expected_heading).count() >= 1
    assert page.locator(".passage", has_text="geo-scoring").count() >= 1
    assert page.locator(".reader__authors").inner_text() == "Jane Doe and John Roe"


def test_bad_file_gets_a_clear_form_error(login_page, user):
    page = login_page(user)
    page.goto("/sources/add/")
    page.get_by_label("Title").fill("Not a document")
    page.get_by_label("Authors").fill("Jane Doe")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    page.get_by_label("File").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": png}]
    )
    page.get_by_role("button", name="Upload and import").click()
    alert = page.get_by_role("alert")
    assert "looks like a PNG image" in alert.inner_text()
