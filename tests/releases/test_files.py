"""The citation and packaging files are valid by their own standards: CITATION.cff by the
CFF 1.2.0 JSON Schema, datapackage.json (with the files beside it) by frictionless."""

from __future__ import annotations

import json
import pathlib

import frictionless
import jsonschema
import pytest
import yaml

from apps.releases.models import ReleaseStatus
from tests.factories import UserFactory

from .conftest import file_bytes

pytestmark = pytest.mark.django_db

CFF_SCHEMA = pathlib.Path(__file__).parent / "data" / "cff-1.2.0.schema.json"


@pytest.fixture
def release(moderator, entries, make_published, cut):
    # A second contributor without an ORCID iD, and one whose name needs quoting in YAML.
    make_published(UserFactory(display_name='Zoë "Z" Ünal: #1'), title="Other", country="FR")
    return cut(moderator, "1.0.0")


def test_citation_cff_is_valid_cff_1_2_with_contributors_and_orcids(client, release):
    document = yaml.safe_load(file_bytes(client, release, "CITATION.cff"))
    jsonschema.validate(document, json.loads(CFF_SCHEMA.read_text()))
    assert document["cff-version"] == "1.2.0"
    assert document["type"] == "dataset"
    assert document["version"] == "1.0.0"
    assert document["license"] == "CC-BY-4.0"
    assert document["date-released"] == release.date_released.isoformat()
    assert document["authors"] == [
        {"name": "Ada Author", "orcid": "https://orcid.org/0000-0002-1825-0097"},
        {"name": 'Zoë "Z" Ünal: #1'},
    ]
    assert document["url"].endswith("/atlas/releases/1.0.0/")


def test_an_empty_release_still_has_an_author(client, moderator, cut):
    release = cut(moderator, "0.1.0")
    assert release.status == ReleaseStatus.READY and release.entry_count == 0
    document = yaml.safe_load(file_bytes(client, release, "CITATION.cff"))
    jsonschema.validate(document, json.loads(CFF_SCHEMA.read_text()))
    assert document["authors"] == [{"name": "Creditscape contributors"}]


def test_the_data_package_validates_with_frictionless(client, release, tmp_path):
    for file in release.files.all():
        (tmp_path / file.name).write_bytes(file_bytes(client, release, file.name))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((tmp_path / "datapackage.json").read_text())
    csv_resource = next(r for r in package["resources"] if r["path"] == "entries.csv")
    assert csv_resource["bytes"] == (tmp_path / "entries.csv").stat().st_size
    assert [f["name"] for f in csv_resource["schema"]["fields"]][:3] == ["id", "title", "country"]


def test_zenodo_metadata_is_ready_to_deposit(client, release):
    document = json.loads(file_bytes(client, release, ".zenodo.json"))
    assert document["upload_type"] == "dataset"
    assert document["version"] == "1.0.0"
    assert document["license"] == "cc-by-4.0"
    assert {"name": "Ada Author", "orcid": "0000-0002-1825-0097"} in document["creators"]
