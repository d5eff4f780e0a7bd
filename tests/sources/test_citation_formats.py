"""Zotero-ready citations of a source: the reader's Highwire meta tags and COinS, the
API's CSL-JSON, RIS and BibTeX by content negotiation, and the Cite box checked against
citeproc-py's rendering of the CSL-JSON."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.moderation.services.hiding import content_hide
from apps.sources.citation import bibtex, bibtex_key
from apps.sources.models import Source
from tests.citations import HIGHWIRE_NAMES, apa_from_csl, coins, meta_tags, textarea
from tests.factories import UserFactory

API = "/api/sources/wong-2021-social-credit/"
READER = "/sources/wong-2021-social-credit/"
CSL = "application/vnd.citationstyles.csl+json"
RIS = "application/x-research-info-systems"
BIBTEX = "application/x-bibtex"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def with_doi(founding_paper):
    Source.objects.filter(pk=founding_paper.pk).update(
        doi="10.36648/1550-7521.19.57.256", pages="1-3"
    )
    founding_paper.refresh_from_db()
    return founding_paper


def test_csl_json_by_accept_header(api, founding_paper):
    response = api.get(API, HTTP_ACCEPT=CSL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(CSL)
    assert "Accept" in response["Vary"]
    item = json.loads(response.content)
    assert item["type"] == "article-journal"
    assert item["title"].startswith("Exploring China's Social Credit System")
    assert item["author"] == [{"family": "Wong", "given": "Karen Li Xan"}]
    # The full date from the seed README (Source.published_on), not only the year.
    assert item["issued"] == {"date-parts": [[2021, 6, 17]]}
    assert item["container-title"] == "Global Media Journal"
    assert (item["volume"], item["issue"]) == ("19", "57")
    assert item["citation-key"] == bibtex_key(founding_paper)


def test_ris_and_bibtex_by_accept_header(api, with_doi):
    ris = api.get(API, HTTP_ACCEPT=RIS)
    assert ris.status_code == 200 and ris["Content-Type"].startswith(RIS)
    text = ris.content.decode()
    assert text.startswith("TY  - JOUR\r\nAU  - Wong, Karen Li Xan\r\n")
    assert "T2  - Global Media Journal\r\n" in text and "DO  - 10.36648/1550-7521.19.57.256" in text
    assert "PY  - 2021\r\n" in text and "DA  - 2021/06/17\r\n" in text
    entry = api.get(API, HTTP_ACCEPT=BIBTEX)
    assert entry.status_code == 200 and entry["Content-Type"].startswith(BIBTEX)
    assert entry.content.decode().strip() == bibtex(with_doi)
    lines = entry.content.decode().splitlines()
    at = lines.index("  year = {2021},")
    assert lines[at + 1 : at + 3] == ["  month = jun,", "  date = {2021-06-17},"]


def test_format_query_parameter_and_json_stay_the_default(api, founding_paper):
    assert api.get(API, {"format": "ris"}).content.startswith(b"TY  - JOUR")
    assert api.get(API, {"format": "bibtex"}).content.startswith(b"@article{wong2021")
    default = api.get(API, HTTP_ACCEPT="*/*")
    assert default["Content-Type"] == "application/json"
    assert default.json()["slug"] == "wong-2021-social-credit"
    browser_like = api.get(API, HTTP_ACCEPT="text/html,application/json;q=0.9,*/*;q=0.8")
    assert browser_like.json()["slug"] == "wong-2021-social-credit"


def test_unknown_source_is_a_json_404_whatever_the_format(api, db):
    response = api.get("/api/sources/nope/", HTTP_ACCEPT=BIBTEX)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert api.get("/api/sources/nope/", HTTP_ACCEPT="application/x-nothing").status_code in (
        404,
        406,
    )


def test_hidden_source_citation_is_404_to_others(api, founding_paper, user):
    moderator = UserFactory(is_staff=True)
    content_hide(target=founding_paper, actor=moderator)
    assert api.get(API, HTTP_ACCEPT=CSL).status_code == 404
    api.force_authenticate(user)
    assert api.get(API, HTTP_ACCEPT=RIS).status_code == 404


@pytest.mark.parametrize("doi", ["", "10.36648/1550-7521.19.57.256"])
def test_cite_box_apa_is_what_citeproc_makes_of_the_csl_json(api, client, founding_paper, doi):
    Source.objects.filter(pk=founding_paper.pk).update(doi=doi, pages="1-3" if doi else "")
    item = json.loads(api.get(API, HTTP_ACCEPT=CSL).content)
    html = client.get(READER).content.decode()
    assert textarea(html, "cite-apa") == apa_from_csl(item)
    # The original publication, not this copy: no Creditscape URL in it.
    assert "testserver" not in textarea(html, "cite-apa")
    assert "testserver" not in textarea(html, "cite-bibtex")


def test_cite_box_cites_the_annotated_edition_apart(client, founding_paper):
    html = client.get(READER).content.decode()
    edition = textarea(html, "cite-edition")
    assert edition.startswith("Wong, K. L. X. (2021). Exploring China")
    assert "[Annotated edition, version 1]. Creditscape. Retrieved " in edition
    assert edition.endswith(", from http://testserver/sources/wong-2021-social-credit/versions/1/")


def test_reader_carries_highwire_tags_and_coins(client, with_doi):
    html = client.get(READER).content.decode()
    tags = meta_tags(html)
    names = {name for name, _ in tags}
    assert names <= HIGHWIRE_NAMES, names - HIGHWIRE_NAMES
    assert tags[0] == ("citation_title", with_doi.title)
    expected = {
        ("citation_author", "Wong, Karen Li Xan"),
        ("citation_publication_date", "2021/06/17"),
        ("citation_journal_title", "Global Media Journal"),
        ("citation_volume", "19"),
        ("citation_issue", "57"),
        ("citation_firstpage", "1"),
        ("citation_lastpage", "3"),
        ("citation_doi", "10.36648/1550-7521.19.57.256"),
        ("citation_fulltext_html_url", "http://testserver" + READER),
    }
    assert expected <= set(tags)
    pairs = coins(html)
    assert ("rft.jtitle", "Global Media Journal") in pairs
    assert ("rft.atitle", with_doi.title) in pairs
    assert ("rft.au", "Wong, Karen Li Xan") in pairs
    assert ("rft.date", "2021-06-17") in pairs
    assert ("rft_id", "info:doi/10.36648/1550-7521.19.57.256") in pairs


def test_hostile_metadata_is_escaped_in_meta_tags(client, founding_paper):
    hostile = '"><script>alert(1)</script>'
    Source.objects.filter(pk=founding_paper.pk).update(title=hostile, authors=[hostile])
    html = client.get(READER).content.decode()
    assert "<script>alert(1)" not in html
    assert ("citation_title", hostile) in meta_tags(html)


def test_a_year_only_source_keeps_the_year(api, founding_paper):
    """A source known only by its year cites the year alone, in every format."""
    Source.objects.filter(pk=founding_paper.pk).update(published_on=None)
    cache.clear()
    item = json.loads(api.get(API, HTTP_ACCEPT=CSL).content)
    assert item["issued"] == {"date-parts": [[2021]]}
    ris = api.get(API, HTTP_ACCEPT=RIS).content.decode()
    assert "PY  - 2021\r\n" in ris and "DA  - 2021\r\n" in ris
    entry = api.get(API, HTTP_ACCEPT=BIBTEX).content.decode()
    assert "  year = {2021}" in entry and "month" not in entry and "date =" not in entry


@pytest.mark.parametrize(
    "year, date, error",
    [
        (2020, datetime.date(2021, 6, 17), "published_on"),
        (None, datetime.date(2999, 1, 1), "published_on"),
    ],
)
def test_publication_date_must_agree_with_the_year(founding_paper, year, date, error):
    from django.core.exceptions import ValidationError

    founding_paper.year, founding_paper.published_on = year, date
    with pytest.raises(ValidationError) as caught:
        founding_paper.full_clean()
    assert error in caught.value.message_dict
    founding_paper.refresh_from_db()
    assert founding_paper.published_on == datetime.date(2021, 6, 17)


def test_a_date_alone_gives_the_year(founding_paper):
    founding_paper.year = None
    founding_paper.published_on = datetime.date(2019, 3, 1)
    founding_paper.full_clean()
    assert founding_paper.year == 2019
