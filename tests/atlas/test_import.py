"""Importing entries (issue 15): the CSV export comes back field for field; bad rows are
reported by row number and nothing is stored; duplicates are found by the form's rule;
non-moderators' rows enter as submitted; the command's --dry-run and --publish."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command

from apps.atlas.contributors import contributor_credit, credit_records
from apps.atlas.entries.selectors import example_export_list
from apps.atlas.exports.formats import (
    evidence_records,
    lifecycle_event_records,
    passage_link_records,
    to_csv,
)
from apps.atlas.imports import services
from apps.atlas.models import Example
from tests.factories import UserFactory

from .conftest import evidence_data

pytestmark = pytest.mark.django_db

FIELDS = (
    "title", "summary", "summary_html", "country", "scope", "region", "category_id", "operator",
    "scored", "data_sources", "consequences", "transparency", "contestable", "legal_basis",
    "legal_note", "lifecycle", "start_year", "end_year", "confidence", "status", "slug",
)  # fmt: skip


def _snapshot() -> dict[str, dict]:
    result = {}
    for example in example_export_list():
        values = {name: getattr(example, name) for name in FIELDS}
        values["country"] = str(values["country"])
        values["evidence"] = evidence_records(example)
        values["passages"] = passage_link_records(example)
        values["lifecycle_events"] = lifecycle_event_records(example)
        values["contributors"] = credit_records(example)
        result[example.title] = values
    return result


def _export() -> str:
    return to_csv(example_export_list(), lambda path: f"https://site.example{path}")


def _quote_the_link(example, passage):
    # The selected words of issue 19, stored as the form's check stores them.
    from .test_passage_quote import WORDS, selection

    start, end = selection(passage)
    text = passage.document.text
    example.passage_links.update(
        quote=WORDS, quote_start=start, quote_end=end,
        quote_prefix=text[start - 32 : start], quote_suffix=text[end : end + 32],
    )  # fmt: skip


@pytest.fixture
def varied(user, make_published, schufa_passage):
    from apps.atlas.entries.data import EvidenceData

    linked = make_published(user, passages=[schufa_passage])
    _quote_the_link(linked, schufa_passage)
    entry = make_published(
        user, title="-Formula-like title, “quoted”, and; separators", country="CN",
        summary="- a Markdown list\n- with =signs and \"quotes\"", region="Rongcheng",
        start_year=None, end_year=None, data_sources=["unknown"], consequences=["unknown"],
        legal_note="", scored="businesses", confidence="low",
    )  # fmt: skip
    entry.evidence.all().delete()
    from apps.atlas.entries.services import save_children
    from apps.atlas.entries.validation import Errors, clean_evidence

    rows = clean_evidence(
        [
            EvidenceData(
                title="Undated but accessed",
                url="https://example.org/a",
                accessed=datetime.date(2023, 5, 1),
                page="12–14",
                quote="=SUM(A1)",
            ),
            evidence_data(title="Second", doi="10.1234/abc", url=""),
        ],  # fmt: skip
        Errors(),
    )
    save_children(entry, rows, [])
    eu = make_published(user, title="EU scheme", country="EU", start_year=2019, end_year=2021)
    # Dated lifecycle changes, and a second contributor with an ORCID iD.
    from apps.atlas.lifecycle.services import LifecycleEventData, lifecycle_event_add
    from tests.moderation.conftest import make_moderator

    editor = UserFactory(display_name="Édith Editor", orcid="0000-0002-1694-233X")
    contributor_credit(example=eu, user=editor, role="editor")
    for state, date in (("pilot", "2019-03"), ("discontinued", "2021-12-31")):
        lifecycle_event_add(
            actor=make_moderator(), example=eu,
            data=LifecycleEventData(
                state=state, date=date, evidence_title=f"{state} notice",
                evidence_url=f"https://example.org/{state}", evidence_publisher="EU",
                evidence_published="2022-01-05" if state == "discontinued" else "",
                note="“Quoted”, and; =separated",
            ),
        )  # fmt: skip
    return {"user": user, "editor": editor}


def test_export_then_import_into_an_empty_site_is_field_equal(varied):
    before = _snapshot()
    text = _export()
    Example.objects.all().delete()
    report = services.entries_import(actor=None, text=text, publish=True)
    assert report.ok and len(report.imported) == 3
    after = _snapshot()
    assert after.keys() == before.keys()
    for title, values in before.items():
        assert after[title] == values, title
    # And again: exporting the imported set gives the same rows (ids and dates aside).
    assert len(_export().splitlines()) == len(text.splitlines())
    assert any(link["quote"] for v in after.values() for link in v["passages"])


def test_an_export_whose_quote_was_altered_is_refused_by_row(varied):
    text = _export().replace("Schufa uses geo-scoring", "Schufa uses NO scoring")
    Example.objects.all().delete()
    with pytest.raises(services.ImportRefused) as info:
        services.entries_import(actor=None, text=text, publish=True)
    errors = [e for r in info.value.report.rows for e in r.errors]
    assert any("the selected words" in e for e in errors), errors
    assert Example.objects.count() == 0


def test_contributors_come_back_as_names_never_as_someone_elses_account(varied):
    """The rule (apps/atlas/imports/credits.py, ADR 0017): only the importer's own
    account is matched (by ORCID iD); a look-alike account is never credited."""
    from apps.atlas.models import ExampleContributor
    from tests.moderation.conftest import make_moderator

    before = {title: values["contributors"] for title, values in _snapshot().items()}
    text = _export()
    Example.objects.all().delete()
    # Someone who copied the editor's name and iD into their profile, and an importer
    # who is the editor (the same iD).
    UserFactory(display_name="Édith Editor", orcid="0000-0002-1694-233X")
    importer = make_moderator(display_name="Édith (here)", orcid="0000-0002-1694-233X")
    report = services.entries_import(actor=importer, text=text, publish=True)
    assert report.ok and len(report.imported) == 3
    accounts = set(ExampleContributor.objects.values_list("user_id", flat=True))
    assert accounts == {importer.pk}
    eu = Example.objects.get(title="EU scheme")
    names = [c["name"] for c in credit_records(eu)]
    # The importer (the editor) through their account; the original author by name.
    assert names == ["Édith (here)", varied["user"].public_name]
    assert before["EU scheme"][0]["name"] == varied["user"].public_name
    assert eu.recorded_credits == [
        {"name": varied["user"].public_name, "orcid": varied["user"].orcid, "role": "author"}
    ]


@pytest.mark.parametrize(
    "cell, message",
    [
        ("not json", "contributors_json is not a JSON list"),
        ('[{"name": ""}]', "give a name"),
        ('[{"name": "A", "orcid": "0000-0000-0000-0000"}]', "ORCID"),
        ('[{"name": "A", "role": "owner"}]', "the role is one of"),
        ('[{"name": "' + "x" * 2000 + '"}]', "give a name"),
    ],
)
def test_bad_contributors_are_row_errors(moderator, cell, message):
    import csv as csv_module
    import io

    out = io.StringIO()
    writer = csv_module.writer(out)
    writer.writerow(["title", "summary", "country", "category", "evidence_title",
                     "evidence_url", "evidence_date", "contributors_json"])  # fmt: skip
    writer.writerow(["T", "S", "DE", "financial-credit-scoring", "E", "https://example.org",
                     "2020-01-01", cell])  # fmt: skip
    report = services.entries_import(actor=moderator, text=out.getvalue(), dry_run=True)
    assert not report.ok
    assert len(report.rows[0].errors) == 1, report.rows[0].errors
    assert message in report.rows[0].errors[0]
    assert not Example.objects.exists()


def test_bad_rows_are_reported_by_row_number_and_nothing_is_stored(user, moderator):
    text = (
        "title,summary,country,category,start_year,evidence_title,evidence_url,evidence_date\n"
        "Good,A summary,China,Geo-scoring and neighbourhood scoring,2019,Src,https://e.org/1,2020-01-01\n"
        "Bad country,A summary,Atlantis,geo-scoring,2019,Src,https://e.org/2,2020-01-01\n"
        ",No title,DE,astrology,last,Src,https://e.org/3,yesterday\n"
    )
    before = Example.objects.count()
    with pytest.raises(services.ImportRefused) as info:
        services.entries_import(actor=moderator, text=text, publish=True)
    errors = {r.number: r.errors for r in info.value.report.rows}
    assert errors[2] == []
    assert len(errors[3]) == 1 and "Unknown country “Atlantis”" in errors[3][0]
    assert any("Unknown category “astrology”" in e for e in errors[4])
    assert any("“last” is not a year" in e for e in errors[4])
    assert any("“yesterday” is not a date" in e for e in errors[4])
    assert any(e.startswith("title:") for e in errors[4])
    assert Example.objects.count() == before
    # A dry run reports the same and stores nothing either.
    report = services.entries_import(actor=moderator, text=text, dry_run=True)
    assert [r.number for r in report.errors] == [3, 4]
    assert Example.objects.count() == before


def test_duplicates_use_the_forms_rule_and_need_confirming(user, moderator, make_published):
    make_published(user, title="Schufa geo-scoring")
    text = _export()
    with pytest.raises(services.ImportRefused) as info:
        services.entries_import(actor=moderator, text=text, publish=True)
    assert info.value.report.rows[0].duplicates[0].title == "Schufa geo-scoring"
    assert Example.objects.count() == 1
    report = services.entries_import(
        actor=moderator, text=text, publish=True, confirm_duplicates=True
    )
    assert report.imported[0].status == "published"


def test_non_moderator_rows_enter_as_submitted(user, other_user, make_published, german_moderator):
    make_published(user, title="Tenant scores", country="FR")
    make_published(user, title="Schufa geo-scoring", country="DE")
    text = _export()
    Example.objects.all().delete()
    report = services.entries_import(actor=other_user, text=text, publish=True)
    assert {e.status for e in report.imported} == {"submitted"}
    assert {e.author for e in report.imported} == {other_user}
    Example.objects.all().delete()
    # A moderator of Germany publishes Germany's rows only.
    report = services.entries_import(actor=german_moderator, text=text, publish=True)
    assert {e.title: e.status for e in report.imported} == {
        "Tenant scores": "submitted",
        "Schufa geo-scoring": "published",
    }


def test_column_mapping_for_other_headers(moderator):
    text = "Name,Description,Nation,Kind,Source title,Link,Date\nX,Y,Germany,geo-scoring,S,https://e.org,2021-02-03\n"
    mapping = {
        "title": "Name", "summary": "Description", "country": "Nation", "category": "Kind",
        "evidence_title": "Source title", "evidence_url": "Link", "evidence_date": "Date",
    }  # fmt: skip
    from apps.atlas.imports.parse import ImportFileError

    with pytest.raises(ImportFileError, match="Map these columns first"):
        services.entries_import(actor=moderator, text=text, dry_run=True)
    report = services.entries_import(actor=moderator, text=text, mapping=mapping, publish=True)
    entry = report.imported[0]
    assert (entry.title, entry.country.code, entry.status) == ("X", "DE", "published")
    assert entry.evidence.get().published == datetime.date(2021, 2, 3)


def test_command_dry_run_and_publish(tmp_path, user, make_published, capsys):
    make_published(user, title="Schufa geo-scoring")
    path = tmp_path / "entries.csv"
    path.write_text(_export(), encoding="utf-8")
    Example.objects.all().delete()
    call_command("import_entries", str(path), "--dry-run")
    assert Example.objects.count() == 0
    with pytest.raises(CommandError, match="--user"):
        call_command("import_entries", str(path))
    call_command("import_entries", str(path), "--publish")
    assert Example.objects.get().status == "published"
    assert "Imported 1 entries." in capsys.readouterr().out


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x00",
        "title\n" + "x\n",
        "a,b\n" + "1,2\n" * 5,
        'title,summary,country,category\n"unclosed',
    ],
)
def test_hostile_files_are_a_clear_error(moderator, text):
    from apps.atlas.imports.parse import ImportFileError

    with pytest.raises((ImportFileError, services.ImportRefused)):
        services.entries_import(actor=moderator, text=text, publish=True)
    assert Example.objects.count() == 0


# --- The moderators' upload page -------------------------------------------------------------


def _upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_upload_page_is_for_moderators(client, user, moderator):
    assert client.get("/atlas/import/").status_code == 302
    client.force_login(user)
    assert client.get("/atlas/import/").status_code == 403
    assert client.post("/atlas/import/", {"file": _upload("a.csv", "x")}).status_code == 403
    client.force_login(moderator)
    assert client.get("/atlas/import/").status_code == 200


def test_upload_preview_then_import(client, moderator, user, make_published):
    make_published(user, title="Schufa geo-scoring")
    text = _export()
    Example.objects.all().delete()
    client.force_login(moderator)
    preview = client.post("/atlas/import/", {"file": _upload("e.csv", text), "publish": "on"})
    html = preview.content.decode()
    assert preview.status_code == 200 and 'data-row="2"' in html and "Schufa geo-scoring" in html
    assert Example.objects.count() == 0  # a preview stores nothing
    assert 'value="import"' in html
    done = client.post(
        "/atlas/import/",
        {"csv_text": text, "publish": "on", "action": "import", "map_title": "title",
         "map_summary": "summary", "map_country": "country", "map_category": "category",
         "map_evidence_json": "evidence_json", "map_passage_links_json": "passage_links_json"},
    )  # fmt: skip
    assert done.status_code == 200, done.content.decode()
    assert Example.objects.get().status == "published"


def test_upload_maps_other_headers_and_reports_rows(client, moderator):
    client.force_login(moderator)
    text = "Name,Description,Nation,Kind,Source,Link,Date\nX,Y,Atlantis,geo-scoring,S,https://e.org,2021-02-03\n"
    step = client.post("/atlas/import/", {"file": _upload("s.csv", text)})
    html = step.content.decode()
    assert (
        step.status_code == 200
        and "Choose the columns for: title, summary, country, category" in html
    )
    mapped = client.post(
        "/atlas/import/",
        {"csv_text": text, "map_title": "Name", "map_summary": "Description", "map_country": "Nation",
         "map_category": "Kind", "map_evidence_title": "Source", "map_evidence_url": "Link",
         "map_evidence_date": "Date", "action": "import"},
    )  # fmt: skip
    html = mapped.content.decode()
    assert mapped.status_code == 400
    assert 'data-row="2" class="row-error"' in html and "Unknown country “Atlantis”" in html
    assert Example.objects.count() == 0


@pytest.mark.parametrize("payload", [b"\xff\xfe\x00bad", b"", b"a" * (4 * 1024 * 1024 + 1)])
def test_upload_hostile_files_are_a_400(client, moderator, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(moderator)
    response = client.post("/atlas/import/", {"file": SimpleUploadedFile("x.csv", payload)})
    assert response.status_code == 400
    assert Example.objects.count() == 0
