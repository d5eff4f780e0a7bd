from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from apps.atlas.entries import services as entry_services
from apps.atlas.models import Evidence, Example
from apps.atlas.research_status import services as research_status
from apps.atlas.starter import load_starter_data

from .conftest import evidence_data, example_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter(founding_paper):
    list(load_starter_data())


def form_post(linked=None, **overrides):
    data = {
        "title": "Tenant screening scores",
        "summary": "Landlords buy risk scores.",
        "country": "US",
        "category": "tenant-screening",
        "operator": "private",
        "scored": "individuals",
        "data_sources": ["financial"],
        "consequences": ["access_restrictions"],
        "transparency": "opaque",
        "contestable": "yes",
        "legal_basis": "statute",
        "legal_note": "",
        "lifecycle": "active",
        "start_year": "2005",
        "end_year": "",
        "confidence": "high",
        "relation": "comparable",
        "passage": linked.pk if linked else "",
        "action": "submit",
        "evidence-TOTAL_FORMS": "2",
        "evidence-INITIAL_FORMS": "0",
        "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
        "evidence-0-title": "Screened out",
        "evidence-0-url": "https://example.org/screened",
        "evidence-0-published": "2020-05-01",
    }
    data.update(overrides)
    return data


def test_form_without_a_passage_needs_no_relation(user_client):
    data = form_post()
    del data["relation"], data["passage"]  # not on the page when no passage is linked
    response = user_client.post("/atlas/examples/new/", data)
    assert response.status_code == 302, response.content.decode()
    assert Example.objects.get().passage_links.count() == 0


def test_url_names():
    assert reverse("atlas:map") == "/atlas/"
    assert reverse("atlas:example_new") == "/atlas/examples/new/"
    assert reverse("atlas:country", kwargs={"code": "DE"}) == "/atlas/countries/DE/"
    assert reverse("atlas:compare") == "/atlas/compare/"
    assert reverse("atlas:codebook") == "/atlas/codebook/"


def test_new_form_prefills_passage_and_home_country(client, user, schufa_passage):
    user.country = "DE"
    user.save()
    client.force_login(user)
    response = client.get(f"/atlas/examples/new/?passage={schufa_passage.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Schufa uses geo-scoring" in html
    assert f'name="passage" value="{schufa_passage.pk}"' in html
    assert re.search(r"<option value=\"DE\" selected[^>]*>Germany</option>", html)


def test_new_form_requires_sign_in(client):
    response = client.get("/atlas/examples/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_passage_finder(user_client, schufa_passage):
    response = user_client.get("/atlas/examples/new/?passage_q=geo-scoring")
    assert f'href="?passage={schufa_passage.pk}"' in response.content.decode()


def test_submit_form_creates_submitted_entry(user_client, schufa_passage):
    response = user_client.post("/atlas/examples/new/", form_post(schufa_passage))
    example = Example.objects.get()
    assert response.status_code == 302
    assert response["Location"] == example.get_absolute_url()
    assert example.status == "submitted"
    assert example.passage_links.get().passage == schufa_passage
    page = user_client.get(response["Location"]).content.decode()
    assert "awaits review" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start_year": "2010", "end_year": "2001"}, "The end year (2001) is before the start year (2010)."),
        ({"evidence-0-title": "", "evidence-0-url": "", "evidence-0-published": ""}, "Add at least one piece of evidence"),
        ({"evidence-0-url": "not a url"}, "“not a url” is not a valid web address"),
        ({"evidence-0-url": "", "evidence-0-doi": "12.3/x"}, "“12.3/x” is not a DOI"),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"category": "astrology"}, "Select a valid choice."),
        ({"passage": "999999"}, "Passage 999999 does not exist or you cannot see it."),
        ({"summary": "x" * 5001}, "The summary is 5,001 characters long; the limit is 5,000."),
    ],
)  # fmt: skip
def test_form_errors_are_shown_and_nothing_stored(user_client, founding_paper, overrides, message):
    response = user_client.post("/atlas/examples/new/", form_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Example.objects.count() == 0 and Evidence.objects.count() == 0


def test_duplicate_hint_must_be_acknowledged(user_client, user, make_published):
    make_published(user, title="Tenant screening scores in the US", country="US")
    response = user_client.post("/atlas/examples/new/", form_post())
    assert response.status_code == 409  # the service's rule, as in the API
    html = response.content.decode()
    assert "Possible duplicates in this country" in html
    assert "Tenant screening scores in the US" in html
    assert Example.objects.count() == 1
    response = user_client.post("/atlas/examples/new/", form_post(confirm_distinct="on"))
    assert response.status_code == 302
    assert Example.objects.count() == 2


def test_similar_hint_fragment(client, user, make_published):
    make_published(user, title="Schufa geo-scoring of neighbourhoods")
    response = client.get("/atlas/examples/similar/?title=Schufa+geo+scoring&country=DE")
    assert "Schufa geo-scoring of neighbourhoods" in response.content.decode()


def test_the_hint_brings_the_box_so_the_first_submit_need_not_bounce(client, user, make_published):
    """Issue 19: "mine is different" comes with the live hint (not after a failed
    submit), keeps its tick across refreshes of the hint, and an entry being edited is
    not its own duplicate."""
    entry = make_published(user, title="Schufa geo-scoring of neighbourhoods")
    url = "/atlas/examples/similar/?title=Schufa+geo+scoring&country=DE"
    html = client.get(url).content.decode()
    assert 'name="confirm_distinct"' in html
    assert "checked" not in html.split('name="confirm_distinct"')[1].split(">")[0]
    ticked = client.get(url + "&confirm_distinct=on").content.decode()
    assert "checked" in ticked.split('name="confirm_distinct"')[1].split(">")[0]
    itself = client.get(url + f"&exclude={entry.pk}").content.decode()
    assert "Schufa geo-scoring of neighbourhoods" not in itself
    assert 'name="confirm_distinct"' not in itself
    assert client.get(
        "/atlas/examples/similar/?title=Nothing+alike&country=DE"
    ).content.strip() in (b"",)


def test_the_form_reads_cleanly(user_client, user, make_published):
    """Issue 19: no stray "Source" label from the hidden field, required marks only on the
    first evidence block, the legal note outside the narrow grid, "Add another source"
    from the formset's empty form, and one colon in the duplicate error."""
    html = user_client.get("/atlas/examples/new/").content.decode()
    blocks = html.split('class="evidence-form"')[1:]
    assert len(blocks) >= 2
    assert ">Source<" not in html and 'for="id_evidence-0-source"' not in html
    assert 'class="required"' in blocks[0].split("</fieldset>")[0]
    assert 'class="required"' not in blocks[1].split("</fieldset>")[0]
    grid = html.split('class="dimension-grid"')[1].split("</div>\n    ")[0]
    assert "id_legal_note" not in grid
    assert "data-formset-add" in html and "__prefix__" in html
    make_published(user, title="Tenant screening scores in the US", country="US")
    bounced = user_client.post("/atlas/examples/new/", form_post()).content.decode()
    assert "different system.:" not in bounced
    assert "Possible duplicates: Similar entries exist" in bounced


def test_entry_page(client, starter, django_assert_max_num_queries):
    example = Example.objects.get(title="Schufa geo-scoring")
    with django_assert_max_num_queries(8):  # + value citations (apps/coding), + lifecycle events
        response = client.get(example.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Schufa uses geo-scoring" in html  # linked passage quote
    link = example.passage_links.get()
    assert f'/sources/wong-2021-social-credit/versions/1/#p-{link.passage.anchor}"' in html
    assert "@misc{creditscape-atlas-" in html and "[Atlas entry]. In Creditscape" in html
    assert "social-credit-like systems (Version 1). Creditscape." in html
    assert "Price differences" in html and "Private company" in html


def test_entry_page_redirects_to_canonical_slug(client, starter):
    example = Example.objects.get(title="Schufa geo-scoring")
    response = client.get(f"/atlas/examples/{example.pk}/wrong/")
    assert response.status_code == 301 and response["Location"] == example.get_absolute_url()


def test_drafts_are_hidden_from_others(client, user, other_user):
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()]
    )
    client.force_login(other_user)
    assert client.get(example.get_absolute_url()).status_code == 404
    client.force_login(user)
    assert client.get(example.get_absolute_url()).status_code == 200


def test_moderator_publishes_from_entry_page(client, user, moderator, run_on_commit):
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], submit=True
    )
    client.force_login(moderator)
    page = client.get(example.get_absolute_url()).content.decode()
    assert 'value="published"' in page
    with run_on_commit():
        response = client.post(f"/atlas/examples/{example.pk}/transition/", {"to": "published"})
    assert response.status_code == 302
    example.refresh_from_db()
    assert example.status == "published"
    assert "Germany" in client.get("/atlas/").content.decode()


def test_author_cannot_publish_from_entry_page(user_client, user):
    example = entry_services.example_create(
        author=user, data=example_data(), evidence=[evidence_data()], submit=True
    )
    response = user_client.post(
        f"/atlas/examples/{example.pk}/transition/", {"to": "published"}, follow=True
    )
    assert "You may not change this entry" in response.content.decode()
    example.refresh_from_db()
    assert example.status == "submitted"


def test_map_page(client, starter, moderator, django_assert_max_num_queries):
    research_status.research_status_mark(actor=moderator, country="FR", category="tenant-screening")
    # Six for the map, two for the entries table (count, page), one for the timeline.
    with django_assert_max_num_queries(9):
        response = client.get("/atlas/")
    html = response.content.decode()
    assert "4 examples in 2 countries" in html
    assert '<tr data-country="CN">' in html and '<tr data-country="DE">' in html
    assert "Researched, none found" in html and "France" in html
    filtered = client.get("/atlas/?category=geo-scoring").content.decode()
    assert "1 example in 1 country" in filtered
    assert "export.csv?category=geo-scoring" in filtered


def test_map_page_unknown_filter(client, starter):
    response = client.get("/atlas/?category=astrology")
    assert response.status_code == 400
    assert "Unknown category “astrology”" in response.content.decode()


def test_country_page(client, starter, django_assert_max_num_queries):
    # Six for the page, two for the timeline (its counts and the categories), one for the
    # value citations (apps/coding).
    with django_assert_max_num_queries(10):
        response = client.get("/atlas/countries/CN/")
    html = response.content.decode()
    assert "3 published examples" in html
    assert "Sesame Credit (Alibaba)" in html
    assert "Government blacklists and red lists" in html
    assert "The social credit systems currently being piloted" in html  # red lists + Sesame
    assert client.get("/atlas/countries/cn/").status_code == 301
    assert client.get("/atlas/countries/QQ/").status_code == 404
    assert client.get("/atlas/countries/EU/").status_code == 200


def test_compare_page_and_csv(client, starter, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/atlas/compare/?countries=CN,DE,US")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Private company (1)" in html and "none yet" in html
    response = client.get("/atlas/compare.csv?countries=CN,DE")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Dimension", "China (CN)", "Germany (DE)"]
    assert rows[1] == ["Entries", "3", "1"]
    assert rows[-2] == ["Licence", "CC BY 4.0"]
    bad = client.get("/atlas/compare/?countries=CN,QQ")
    assert bad.status_code == 400 and "Unknown country “QQ”." in bad.content.decode()
    assert client.get("/atlas/compare.csv?countries=QQ").status_code == 400


def test_codebook(client):
    html = client.get("/atlas/codebook/").content.decode()
    assert "Public–private partnership" in html and "Tenant screening" in html
    assert 'id="transparency"' in html


def test_reader_shows_counts_and_tag_link_in_constant_queries(
    client, starter, user, make_published, schufa_passage, django_assert_max_num_queries
):
    url = "/sources/wong-2021-social-credit/"
    with django_assert_max_num_queries(8) as before:
        client.get(url)
    make_published(user, passages=[schufa_passage], country="AT", title="Austrian geo-scoring")
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url)
    html = response.content.decode()
    assert "2 comparative examples from 2 countries" in html
    assert "1 comparative example from 1 country" in html
    assert f"/atlas/examples/new/?passage={schufa_passage.pk}" in html
    assert "Tag a comparative example" in html


def test_home_headline(client, starter):
    assert "4 examples in 2 countries" in client.get("/").content.decode()


def test_new_form_query_count(user_client, schufa_passage, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = user_client.get(f"/atlas/examples/new/?passage={schufa_passage.pk}")
    assert response.status_code == 200
