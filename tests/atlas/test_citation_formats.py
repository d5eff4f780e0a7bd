"""Zotero-ready citations of an atlas entry: Highwire meta tags and COinS on the entry
page, CSL-JSON, RIS and BibTeX from GET /api/examples/<id>/ by content negotiation, and
the Cite box's APA checked against citeproc-py's rendering of the CSL-JSON."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.atlas.citation import DATASET_TITLE
from tests.citations import HIGHWIRE_NAMES, apa_from_csl, coins, meta_tags, textarea

CSL = "application/vnd.citationstyles.csl+json"


@pytest.fixture
def entry(make_published, user):
    return make_published(user, title="Schufa geo-scoring")


def test_entry_csl_json_ris_and_bibtex(entry):
    api = APIClient()
    url = f"/api/examples/{entry.pk}/"
    response = api.get(url, HTTP_ACCEPT=CSL)
    assert response.status_code == 200 and response["Content-Type"].startswith(CSL)
    item = json.loads(response.content)
    assert item["title"] == "Schufa geo-scoring"
    assert item["container-title"] == DATASET_TITLE
    assert item["version"] == str(entry.version)
    assert item["author"][0]["literal"].startswith("Creditscape contributors")
    ris = api.get(url, HTTP_ACCEPT="application/x-research-info-systems").content.decode()
    assert ris.startswith("TY  - ENCYC\r\n") and "TI  - Schufa geo-scoring\r\n" in ris
    bibtex = api.get(url, HTTP_ACCEPT="application/x-bibtex").content.decode()
    assert bibtex.startswith(f"@misc{{creditscape-atlas-{entry.pk},")
    # JSON stays the default, with the version as its ETag (If-Match on edits).
    default = api.get(url)
    assert default.json()["id"] == entry.pk and default["ETag"] == f'"{entry.version}"'
    assert "Accept" in default["Vary"]


def test_draft_entry_citation_is_404_to_others(make_published, user, other_user):
    from apps.atlas.entries import services

    from .conftest import evidence_data, example_data

    draft = services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], passages=[]
    )
    api = APIClient()
    assert api.get(f"/api/examples/{draft.pk}/", HTTP_ACCEPT=CSL).status_code == 404
    api.force_authenticate(other_user)
    assert api.get(f"/api/examples/{draft.pk}/?format=ris").status_code == 404


def test_entry_page_meta_tags_coins_and_cite_box(client, entry):
    api = APIClient()
    item = json.loads(api.get(f"/api/examples/{entry.pk}/", HTTP_ACCEPT=CSL).content)
    html = client.get(entry.get_absolute_url()).content.decode()
    tags = meta_tags(html)
    assert {name for name, _ in tags} <= HIGHWIRE_NAMES
    assert tags[0] == ("citation_title", "Schufa geo-scoring")
    assert ("citation_inbook_title", DATASET_TITLE) in tags
    assert ("citation_publisher", "Creditscape") in tags
    assert ("citation_fulltext_html_url", "http://testserver" + entry.get_absolute_url()) in tags
    assert ("rft.title", "Schufa geo-scoring") in coins(html)
    assert textarea(html, "cite-apa") == apa_from_csl(item)


def test_contributors_orcid_in_csl_api_page_and_json_ld(client, entry, user):
    """A contributor's ORCID iD travels with their credit: CSL-JSON ``contributor`` (as
    Crossref writes it), the API, the entry page and the JSON-LD export; the cached page
    and payloads change when the iD is verified (User is a declared dependency)."""
    from apps.accounts import services as accounts

    api = APIClient()
    url = f"/api/examples/{entry.pk}/"
    before = json.loads(api.get(url, HTTP_ACCEPT=CSL).content)
    assert before["contributor"] == [{"literal": user.public_name}]
    assert client.get(entry.get_absolute_url()).content.decode().count("orcid.org") == 0
    accounts.orcid_verified_set(user=user, orcid="0000-0002-1825-0097")
    item = json.loads(api.get(url, HTTP_ACCEPT=CSL).content)
    assert item["contributor"] == [
        {
            "literal": user.public_name,
            "ORCID": "https://orcid.org/0000-0002-1825-0097",
            "authenticated-orcid": True,
        }
    ]
    credit = api.get(url).json()["contributors"][0]
    assert (credit["orcid"], credit["orcid_verified"]) == ("0000-0002-1825-0097", True)
    page = client.get(entry.get_absolute_url()).content.decode()
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in page
    assert "verified by ORCID" in page
    # citeproc still renders the same APA (contributors are not part of it).
    assert apa_from_csl(item) == apa_from_csl(before)
