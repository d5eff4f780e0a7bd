"""The trusted publishing paths obey the required-citation rule (ADR 0011): the starter
entries are published with citations of the founding paper that verify, loading them
twice adds nothing, a database seeded before gets them once; an operator's or a
moderator's import that would publish uncited entries is refused by row, nothing
stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from apps.atlas.entries import services as entry_services
from apps.atlas.entries.data import PassageLinkData, ValueCitationData
from apps.atlas.imports import services as import_services
from apps.atlas.models import Evidence, Example
from apps.atlas.starter import STARTER_ENTRIES
from apps.atlas.starter import load_starter_data as atlas_load_starter_data
from apps.coding.models import EntryCodebookVersion, ValueCitation
from apps.coding.selectors import current_codebook
from apps.coding.starter import load_starter_data as cite_starter_entries

from .conftest import evidence_data, example_data

pytestmark = [pytest.mark.django_db, pytest.mark.citations_required]

REQUIRED = {"legal_basis", "consequences", "contestable"}
STARTER_CITATIONS = sum(len(entry["citations"]) for entry in STARTER_ENTRIES)


def _required_cited(example: Example) -> set[str]:
    return set(
        ValueCitation.objects.filter(example=example, coding=None, replaced_at=None).values_list(
            "field", flat=True
        )
    )


def test_the_codebook_still_requires_what_the_starter_cites():
    assert set(current_codebook().required_citations) == REQUIRED
    for entry in STARTER_ENTRIES:
        assert {c.field for c in entry["citations"]} >= REQUIRED, entry["data"].title


def test_starter_entries_are_published_with_citations_that_verify(client, founding_paper):
    # The atlas's starter alone (the command also runs the coding app's catch-up).
    assert all(line.startswith("Loaded") for line in atlas_load_starter_data())
    examples = list(Example.objects.filter(status="published"))
    assert len(examples) == 4
    assert ValueCitation.objects.count() == STARTER_CITATIONS
    for example in examples:
        assert _required_cited(example) == REQUIRED, example.title
        evidence = example.evidence.get()
        for citation in ValueCitation.objects.filter(example=example).select_related(
            "document", "passage"
        ):
            assert citation.evidence_id == evidence.pk
            if citation.quote:
                # The exact words, at their place, inside the entry's own passage.
                assert citation.document.text[citation.start : citation.end] == citation.quote
                assert citation.passage_id == example.passage_links.get().passage_id
            else:
                assert citation.note.startswith("The paper does not")
        page = client.get(example.get_absolute_url())
        assert page.status_code == 200
        assert "uncited (required)" not in page.content.decode()


def test_loading_twice_adds_no_citation(founding_paper, capsys):
    call_command("load_starter_data")
    call_command("load_starter_data")
    assert (Example.objects.count(), ValueCitation.objects.count()) == (4, STARTER_CITATIONS)
    assert "Cited:" not in capsys.readouterr().out


def test_a_database_seeded_before_gets_the_citations_once(founding_paper, settings):
    settings.CODING_ENFORCE_REQUIRED_CITATIONS = False
    call_command("load_starter_data")
    ValueCitation.objects.all().delete()  # as seeded before the starter cited
    edited = Example.objects.get(title="Schufa geo-scoring")
    edited.evidence.update(source=None)  # a moderator replaced the paper as its evidence
    lines = list(cite_starter_entries())
    assert sum(line.startswith("Cited:") for line in lines) == 3
    assert any(line.startswith("Skipped") and "Schufa" in line for line in lines)
    assert _required_cited(edited) == set()
    for example in Example.objects.exclude(pk=edited.pk):
        assert _required_cited(example) == REQUIRED
    count = ValueCitation.objects.count()
    assert not [line for line in cite_starter_entries() if line.startswith("Cited")]
    assert ValueCitation.objects.count() == count


# --- example_import_published ------------------------------------------------------------------


def test_an_import_without_the_required_citations_is_refused_and_stores_nothing():
    with pytest.raises(ValidationError) as info:
        entry_services.example_import_published(data=example_data(), evidence=[evidence_data()])
    assert set(info.value.message_dict) == REQUIRED
    assert (Example.objects.count(), Evidence.objects.count()) == (0, 0)


def test_an_import_citing_wrong_words_is_refused_and_stores_nothing(schufa_passage):
    citations = [
        ValueCitationData(field=field, evidence=0) for field in ("consequences", "contestable")
    ]
    citations.append(
        ValueCitationData(field="legal_basis", passage=0, quote="Schufa uses astrology")
    )
    with pytest.raises(ValidationError) as info:
        entry_services.example_import_published(
            data=example_data(),
            evidence=[evidence_data()],
            passages=[PassageLinkData(passage_id=schufa_passage.pk)],
            citations=citations,
        )
    assert "[2] The quote “Schufa uses astrology” is not in that passage." in str(info.value)
    assert (Example.objects.count(), ValueCitation.objects.count()) == (0, 0)
    with pytest.raises(ValidationError, match="No evidence item or passage link"):
        entry_services.example_import_published(
            data=example_data(),
            evidence=[evidence_data()],
            citations=[ValueCitationData(field=f, evidence=3) for f in REQUIRED],
        )
    assert Example.objects.count() == 0


def test_an_import_with_its_citations_is_published(
    schufa_passage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        example = _import_cited(schufa_passage)
    assert example.status == "published" and _required_cited(example) == REQUIRED
    # Its version records the codebook it was coded under, as an entry made by hand.
    assert EntryCodebookVersion.objects.filter(example=example, entry_version=1).exists()


def _import_cited(schufa_passage) -> Example:
    return entry_services.example_import_published(
        data=example_data(),
        evidence=[evidence_data()],
        passages=[PassageLinkData(passage_id=schufa_passage.pk)],
        citations=[
            ValueCitationData(field="legal_basis", passage=0, quote="Schufa uses geo-scoring"),
            ValueCitationData(field="consequences", evidence=0),
            ValueCitationData(field="contestable", evidence=0, note="Silent."),
        ],
    )


# --- CSV imports -----------------------------------------------------------------------------

CSV = (
    "title,summary,country,category,legal_basis,evidence_title,evidence_url,evidence_date\n"
    "Schufa geo-scoring,Scores by address.,DE,geo-scoring,statute,Schufa report,"
    "https://example.org/schufa,2021-02-03\n"
)


def test_publishing_a_csv_import_is_refused_by_row_in_the_preview_and_the_import(
    german_moderator,
):
    for actor in (None, german_moderator):
        preview = import_services.entries_import(actor=actor, text=CSV, publish=True, dry_run=True)
        assert [r.number for r in preview.errors] == [2]
        assert any(e.startswith("legal_basis: Cite the evidence") for e in preview.rows[0].errors)
        with pytest.raises(import_services.ImportRefused) as info:
            import_services.entries_import(actor=actor, text=CSV, publish=True)
        assert {e.split(":")[0] for e in info.value.report.rows[0].errors} == REQUIRED
        assert Example.objects.count() == 0
    # Unpublished, the rows go in (to be cited on their forms, then published).
    report = import_services.entries_import(actor=german_moderator, text=CSV, publish=False)
    assert [e.status for e in report.imported] == ["submitted"]


def test_the_publish_check_when_storing_is_reported_by_row(german_moderator, monkeypatch):
    # Were the preview's check to pass (the rule changed in between), storing still refuses.
    monkeypatch.setattr(import_services, "_check", _unchecked(import_services._check))
    with pytest.raises(import_services.ImportRefused, match="could not be published") as info:
        import_services.entries_import(actor=german_moderator, text=CSV, publish=True)
    assert any(e.startswith("contestable:") for e in info.value.report.rows[0].errors)
    assert info.value.report.imported == [] and Example.objects.count() == 0


def _unchecked(check):
    def without_publish_check(actor, row, context, *, publish):
        return check(actor, row, context, publish=False)

    return without_publish_check


def test_the_command_names_the_uncited_fields(tmp_path, settings, capsys):
    path = tmp_path / "entries.csv"
    path.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="rows have errors"):
        call_command("import_entries", str(path), "--publish")
    assert "Row 2: consequences: Cite the evidence" in capsys.readouterr().out
    assert Example.objects.count() == 0
    # Entries coded elsewhere: the operator turns the rule off for that import.
    settings.CODING_ENFORCE_REQUIRED_CITATIONS = False
    call_command("import_entries", str(path), "--publish")
    assert Example.objects.get().status == "published"


def test_the_upload_page_shows_the_refused_rows(client, german_moderator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(german_moderator)
    fields = {"publish": "on", "action": "import", "csv_text": CSV}
    fields.update({f"map_{n}": n for n in CSV.splitlines()[0].split(",")})
    response = client.post("/atlas/import/", fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-row="2" class="row-error"' in html and "Cite the evidence for" in html
    assert Example.objects.count() == 0
    preview = client.post(
        "/atlas/import/",
        {"file": SimpleUploadedFile("e.csv", CSV.encode(), "text/csv"), "publish": "on"},
    )
    assert "Cite the evidence for" in preview.content.decode()


# --- Editing a cited entry ---------------------------------------------------------------------


def test_an_edit_that_resends_the_evidence_keeps_what_cites_it(founding_paper, moderator):
    """The entry form sends every evidence item again on each save: an unchanged item is
    kept (same id), so the chips citing it still name one of the entry's items and the
    save goes through (it was refused once the starter entries cited their evidence)."""
    from apps.atlas.entries.data import current_evidence_json, evidence_from_json
    from apps.coding import representation, selectors, services

    list(atlas_load_starter_data())
    entry = Example.objects.get(title="Schufa geo-scoring")
    evidence_id = entry.evidence.get().pk
    chips = [representation.citation_form_json(c) for c in selectors.entry_citations(entry)]
    resent = [evidence_from_json(item) for item in current_evidence_json(entry)]
    entry = entry_services.example_update(
        actor=moderator, example=entry, changes={"region": "Wiesbaden"}, evidence=resent
    )
    assert entry.evidence.get().pk == evidence_id
    assert ValueCitation.objects.filter(example=entry, evidence_id=evidence_id).count() == 3
    items = [
        services.CitationData(
            field=chip["field"], evidence=chip["evidence"], quote=chip["quote"], note=chip["note"],
            **({"source": chip["passage"]["source"], "version": chip["passage"]["version"],
                "anchor": chip["passage"]["anchor"]} if chip["passage"] else {}),
        )
        for chip in chips
    ]  # fmt: skip
    assert services.citations_unchanged(entry, items)
    # A changed item is a new one: the old goes, and its citations keep only its title.
    changed = [evidence_from_json({**current_evidence_json(entry)[0], "page": "12"})]
    entry_services.example_update(actor=moderator, example=entry, evidence=changed)
    assert entry.evidence.get().pk != evidence_id
