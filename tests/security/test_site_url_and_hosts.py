"""Absolute links and the Host header (issue 12):

- ``Host: localhost:6666`` must not poison the anonymous page cache: what the canonical
  host serves never carries another host, and permalinks and citations on cached pages
  are built on SITE_URL.
- SITE_URL configures every absolute link: e-mails (ours and allauth's), the Atom feed,
  exports, citations; Django's ``example.com`` Sites row never shows.
- E-mail subjects are plain text on one line: no HTML entities, another user's free text
  quoted and cut short.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.sites.models import Site
from django.core import mail

from apps.annotations import services as annotation_services
from apps.annotations.services import TextPositionSelector
from apps.common.site import absolute_url, sync_site
from apps.moderation.actions import review_item_decide
from tests.factories import SourceFactory, UserFactory
from tests.moderation.conftest import make_item

pytestmark = pytest.mark.django_db

SITE = "https://creditscape.example.org"
READER = "/sources/wong-2021-social-credit/"
EVIL_HOST = "localhost:6666"


@pytest.fixture
def canonical(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "creditscape.example.org", "localhost"]
    return SITE


@pytest.fixture
def page_cache_on(settings):
    settings.HTTP_CACHE_BODY_SECONDS = 60  # the default: on (tests run with caches on)
    settings.PUBLIC_FRAGMENT_CACHE_SECONDS = 60


def test_absolute_url_uses_site_url(canonical):
    assert absolute_url("/sources/x/") == f"{SITE}/sources/x/"
    assert absolute_url("sources/x/") == f"{SITE}/sources/x/"
    assert absolute_url("") == f"{SITE}/"
    assert absolute_url("https://doi.org/10.1/x") == "https://doi.org/10.1/x"


def test_another_host_does_not_poison_the_anonymous_page_cache(
    client, founding_paper, canonical, page_cache_on
):
    poisoned = client.get(READER, HTTP_HOST=EVIL_HOST)
    assert poisoned.status_code == 200
    assert EVIL_HOST not in poisoned.content.decode()  # links come from SITE_URL anyway
    served = client.get(READER, HTTP_HOST="creditscape.example.org")
    html = served.content.decode()
    assert EVIL_HOST not in html
    assert f'<link rel="canonical" href="{SITE}{READER}">' in html
    assert f"{SITE}{READER}" in html  # the citations' URL


def test_etags_and_cache_keys_carry_the_host(client, founding_paper, canonical, page_cache_on):
    one = client.get(READER, HTTP_HOST="creditscape.example.org")
    other = client.get(READER, HTTP_HOST="localhost")
    assert one["ETag"] and other["ETag"] and one["ETag"] != other["ETag"]
    # The other host's ETag does not revalidate the canonical host's page.
    again = client.get(
        READER, HTTP_HOST="creditscape.example.org", HTTP_IF_NONE_MATCH=other["ETag"]
    )
    assert again.status_code == 200


def test_entry_page_permalink_uses_site_url(client, make_published, canonical):
    example = make_published(UserFactory())
    html = client.get(example.get_absolute_url(), HTTP_HOST="localhost").content.decode()
    assert f"{SITE}{example.get_absolute_url()}" in html
    assert "http://localhost" not in html


def test_exports_use_site_url(client, make_published, canonical):
    example = make_published(UserFactory())
    data = json.loads(client.get("/api/examples/export.jsonld", HTTP_HOST="localhost").content)
    assert data["@id"] == f"{SITE}/api/examples/"
    assert data["hasPart"][0]["url"] == f"{SITE}{example.get_absolute_url()}"
    csv_text = client.get("/api/examples/export.csv", HTTP_HOST="localhost").content.decode()
    assert f"{SITE}{example.get_absolute_url()}" in csv_text and "localhost" not in csv_text


def test_atom_feed_links_use_site_url(client, founding_paper, canonical):
    response = client.get("/activity/feed/", HTTP_HOST="localhost")
    assert response.status_code == 200
    xml = response.content.decode()
    assert f'href="{SITE}/activity/"' in xml
    assert f'href="{SITE}/activity/feed/"' in xml
    assert f'href="{SITE}/sources/' in xml  # the paper's entry
    assert "example.com" not in xml and "localhost" not in xml


def test_sites_row_follows_site_url_after_migrate(canonical, settings):
    assert Site.objects.get_current().domain != "example.com"  # set when the test DB migrated
    sync_site()
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("creditscape.example.org", settings.SITE_NAME)


# --- E-mails ----------------------------------------------------------------------------


def test_reply_email_links_and_subject(founding_paper, canonical, run_on_commit):
    author = UserFactory(email="author@example.org")
    replier = UserFactory(
        display_name='Mallory\n[Creditscape] Your account is closed "now"' + "x" * 60
    )
    document = founding_paper.current_document
    start = document.text.index("social credit system")
    root = annotation_services.annotation_create(
        author=author,
        document=document,
        position=TextPositionSelector(start, start + len("social credit system")),
        body="A note",
    )
    with run_on_commit():
        annotation_services.annotation_reply(author=replier, parent=root, body="A reply")
    message = mail.outbox[-1]
    assert f"{SITE}/" in message.body and "example.com" not in message.body
    subject = message.subject
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("[Creditscape] “Mallory [Creditscape] Your account")
    assert "”" in subject and len(subject) < 100
    assert "x" * 50 not in subject  # cut short


def test_moderation_notice_subject_is_plain_text_and_links_use_site_url(canonical, run_on_commit):
    author = UserFactory(email="author@example.org")
    source = SourceFactory(added_by=author, title="China's social credit & <you>")
    item = make_item(author=author, target=source)
    from tests.moderation.conftest import make_moderator

    with run_on_commit():
        review_item_decide(
            actor=make_moderator(), item=item, decision="publish", reason="Well sourced"
        )
    message = mail.outbox[-1]
    assert "China's social credit & <you>" in message.subject
    assert "&#x27;" not in message.subject and "&amp;" not in message.subject
    assert "“China's social credit & <you>”" in message.subject
    assert f"{SITE}/notifications/" in message.body
    assert "example.com" not in message.body


def test_signup_confirmation_link_uses_site_url_whatever_the_host(client, canonical, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "username": "newcomer",
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
        },
        HTTP_HOST="localhost",
    )
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert f"{SITE}/accounts/confirm-email/" in message.body
    assert "localhost" not in message.body and "example.com" not in message.body
    assert message.subject.startswith("[Creditscape] ")


@pytest.mark.parametrize("known", [False, True])
def test_password_reset_links_use_site_url_whatever_the_host(client, canonical, user, known):
    """allauth builds the links of its "unknown account" e-mail from the request; they
    are moved onto SITE_URL like the confirmation and reset links."""
    email = user.email if known else "nobody-here@example.org"
    response = client.post("/accounts/password/reset/", {"email": email}, HTTP_HOST="localhost")
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert f"{SITE}/accounts/" in body
    assert "localhost" not in body and "testserver" not in body
