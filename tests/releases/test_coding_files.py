"""A release ships the coding app's part of the dataset (issue 15 with ADR 0011):
``value-citations.csv`` (where each coded value came from) and ``agreement.csv`` (coder
agreement as it stood), both described in datapackage.json and SHA256SUMS, and neither
moved by later codings or citations."""

from __future__ import annotations

import csv
import io
import json

import frictionless
import pytest

from apps.atlas.entries import services as entry_services
from apps.coding import services as coding_services
from apps.coding.services.citations import citations_replace
from tests.coding.conftest import evidence_data, example_data, make_coder, passage_citation

from .conftest import checksums, file_bytes

pytestmark = pytest.mark.django_db


def _double_code(moderator, author, coders, *, title: str, operators: tuple[str, str]):
    example = entry_services.example_create(
        author=author, data=example_data(title=title), evidence=[evidence_data()],
        confirm_distinct=True,
    )  # fmt: skip
    coding_services.coding_request_create(actor=moderator, example=example, coders=coders)
    for coder, operator in zip(coders, operators, strict=True):
        coding_services.coding_save_mine(
            actor=coder, example=example, values={"operator": operator}, submit=True
        )
    return example


@pytest.fixture
def coded(moderator, author, entries, schufa_passage):
    """The Schufa entry cites its legal basis; three entries double-coded on operator."""
    citations_replace(actor=moderator, example=entries[0], citations=[
        passage_citation(schufa_passage, note="§ 31 BDSG")
    ])  # fmt: skip
    coders = [make_coder(), make_coder()]
    for index, pair in enumerate(
        [("state", "state"), ("private", "private"), ("state", "private")]
    ):
        _double_code(moderator, author, coders, title=f"Coded {index}", operators=pair)
    return coders


def _rows(client, release, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(file_bytes(client, release, name).decode())))


def test_a_release_ships_value_citations_and_agreement(client, moderator, entries, coded, cut):
    release = cut(moderator, "1.0.0")
    citations = _rows(client, release, "value-citations.csv")
    assert len(citations) == 1
    row = citations[0]
    assert row["entry_id"] == str(entries[0].pk) and row["field"] == "legal_basis"
    assert row["source"] == "wong-2021-social-credit" and row["anchor"]
    assert row["quote"] == "Schufa uses geo-scoring" and row["note"] == "§ 31 BDSG"
    agreement = {row["field"]: row for row in _rows(client, release, "agreement.csv")}
    assert agreement["operator"]["n_units"] == "3" and agreement["operator"]["n_coders"] == "2"
    assert 0 < float(agreement["operator"]["alpha"]) < 1
    changelog = file_bytes(client, release, "CHANGELOG.md").decode()
    assert "### Coding" in changelog and "Codebook version 1." in changelog
    assert "Coder agreement (Krippendorff's alpha): operator" in changelog
    sums = file_bytes(client, release, "SHA256SUMS").decode()
    assert "  value-citations.csv\n" in sums and "  agreement.csv\n" in sums


def test_the_coding_files_validate_in_the_data_package(client, moderator, coded, cut, tmp_path):
    release = cut(moderator, "1.0.0")
    for file in release.files.all():
        (tmp_path / file.name).write_bytes(file_bytes(client, release, file.name))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((tmp_path / "datapackage.json").read_text())
    resources = {r["path"]: r for r in package["resources"]}
    fields = {f["name"]: f["type"] for f in resources["agreement.csv"]["schema"]["fields"]}
    assert fields["alpha"] == "number" and fields["n_units"] == "integer"
    citation_fields = resources["value-citations.csv"]["schema"]["fields"]
    assert [f["name"] for f in citation_fields][:2] == ["entry_id", "field"]


def test_later_codings_and_citations_leave_the_coding_files_as_they_were(
    client, moderator, author, entries, coded, cut, schufa_passage
):
    release = cut(moderator, "1.0.0")
    before = checksums(client, release)
    _double_code(moderator, author, coded, title="Coded later", operators=("platform", "state"))
    citations_replace(actor=moderator, example=entries[0], citations=[
        passage_citation(schufa_passage, field="operator", note="Changed")
    ])  # fmt: skip
    assert checksums(client, release) == before
    later = cut(moderator, "1.1.0")
    assert _rows(client, later, "value-citations.csv")[0]["field"] == "operator"
    assert {r["field"]: r for r in _rows(client, later, "agreement.csv")}["operator"][
        "n_units"
    ] == "4"
