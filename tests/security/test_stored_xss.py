"""Stored XSS: a corpus of payloads (tests/security/xss_payloads.py) is written through
the API, the services and the forms into every user-written field, then every page that
shows those fields is opened in Chromium. Nothing may run: no dialog, no
``window.__xss``, no request to an attacker's host, no CSP violation (an injected script
that CSP blocked still means the sanitiser let it through), and no live event-handler
attribute or script URL in the DOM.

Many payloads go into few objects (ten per Markdown body) so each page is visited once.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.services import profile_update
from apps.annotations.models import Annotation
from apps.annotations.services import normalize_tags
from apps.atlas.entries import services as entry_services
from apps.atlas.entries import transitions
from apps.atlas.models import EntryComment, Evidence, Example
from apps.atlas.taxonomy import ensure_default_categories
from apps.moderation.actions import review_item_decide
from apps.moderation.services import flag_create, review_item_open
from apps.sources import services as source_services
from apps.sources.models import Source
from apps.sources.starter import load_founding_paper
from tests.atlas.conftest import evidence_data, example_data
from tests.factories import UserFactory
from tests.moderation.conftest import make_moderator

from .xss_payloads import PAYLOADS, URL_PAYLOADS, chunks

pytestmark = [pytest.mark.browser]

# Run in the page before any of its own scripts: record what an attacker could observe.
INIT_SCRIPT = """
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  const original = window[name];
  window[name] = function (...args) { window.__dialogs.push(name); };
}
"""

# After load: live attack surface left in the DOM by a payload the sanitiser missed.
DOM_PROBE = """
() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(`${element.tagName} ${name}`);
      if (["href", "src", "action", "formaction", "data", "xlink:href", "srcdoc"]
            .includes(name)
          && /^(javascript|vbscript|data:text\\/html)/.test(value)) {
        found.push(`${element.tagName} ${name}=${value.slice(0, 40)}`);
      }
      if (name === "srcdoc") found.push(`${element.tagName} srcdoc`);
    }
    if (element.tagName === "SCRIPT" && !element.src && !element.nonce
        && element.type !== "application/json") {
      found.push("inline SCRIPT: " + element.textContent.slice(0, 60));
    }
    if (["IFRAME", "OBJECT", "EMBED", "BASE", "META"].includes(element.tagName)
        && element.closest("main")) {
      found.push(`${element.tagName} in main`);
    }
  }
  return found;
}
"""


def _body(payloads: list[str]) -> str:
    return "\n\n".join(payloads)


def _write_everything(client, passage_text: str) -> dict:
    """Store the corpus everywhere a user can write; returns the objects to visit."""
    # Browser tests flush the database between tests, migration-seeded rows included.
    ensure_default_categories()
    moderator = make_moderator(username="xss-moderator")
    author = UserFactory(username="xss-author")
    readers = [UserFactory(username=f"xss-reader-{n}") for n in range(3)]
    payload_chunks = chunks(PAYLOADS, 10)

    # Profile fields (service): each payload that fits the field's rules is kept.
    stored_profiles = 0
    people = [author, *readers]
    for index, payload in enumerate(PAYLOADS[:40]):
        person = people[index % len(people)]
        field = ("display_name", "affiliation")[index // len(people) % 2]
        try:
            with transaction.atomic():
                profile_update(user=person, actor=person, **{field: payload[:100]})
            stored_profiles += 1
        except ValidationError:
            pass
    for person, chunk in zip(people, payload_chunks, strict=False):
        profile_update(user=person, actor=person, bio=_body(chunk))
    assert stored_profiles > 10

    # Annotation bodies (API, ten payloads each) and tags (API; "<>\"," are refused).
    source, _ = load_founding_paper()
    source.refresh_from_db()
    client.force_login(author)
    safe_tags = []
    for payload in PAYLOADS:
        try:
            normalize_tags([payload[:64]])
            safe_tags.append(payload[:64])
        except ValidationError:
            pass
    tag_chunks = chunks(safe_tags, 20)
    start = source.current_document.text.index(passage_text)
    target = {
        "selector": [
            {"type": "TextPositionSelector", "start": start, "end": start + len(passage_text)}
        ]
    }
    annotation_ids = []
    for index, chunk in enumerate(payload_chunks):
        response = client.post(
            "/api/annotations/",
            {
                "source": source.slug,
                "target": target,
                "body": _body(chunk),
                "tags": tag_chunks[index] if index < len(tag_chunks) else [],
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:500]
        annotation_ids.append(response.json()["id"])
    refused = client.post(
        "/api/annotations/",
        {
            "source": source.slug,
            "target": target,
            "body": "tagged",
            "tags": ["<script>window.__xss=1</script>"],
        },
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert Annotation.objects.filter(body="tagged").count() == 0

    # Replies (API) and a mention: the author's notifications show them.
    for chunk in payload_chunks[:3]:
        client.force_login(readers[0])
        response = client.post(
            "/api/annotations/",
            {"parent": annotation_ids[0], "body": f"@xss-author {_body(chunk)}"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content[:500]

    # Atlas entries (service): titles, summaries, evidence titles; published.
    examples = []
    for index, chunk in enumerate(payload_chunks):
        title = f"XSS entry {index} {chunk[0]}"[:200]
        try:
            data = example_data(title=title, summary=_body(chunk), country="FR")
            example = entry_services.example_create(
                author=author,
                data=data,
                evidence=[
                    evidence_data(
                        title=chunk[1 % len(chunk)][:300],
                        quote=chunk[2 % len(chunk)][:1000],
                        publisher=chunk[3 % len(chunk)][:200],
                        url=f"https://example.org/evidence-{index}",
                    )
                ],
                submit=True,
                confirm_distinct=True,  # "XSS entry n …" titles look alike on purpose
            )
        except ValidationError as error:
            raise AssertionError(f"entry {index} refused: {error}") from error
        examples.append(
            transitions.example_transition(actor=moderator, example=example, to="published")
        )

    # Evidence URLs: script and data URLs are refused (nothing stored); web URLs with
    # payload characters are stored and must render inertly.
    url_entry = examples[0]
    for url in URL_PAYLOADS:
        before = Evidence.objects.count()
        try:
            entry_services.example_create(
                author=author,
                data=example_data(title=f"URL probe {URL_PAYLOADS.index(url)}", country="FR"),
                evidence=[evidence_data(url=url, published=datetime.date(2020, 1, 1))],
                submit=False,
                confirm_distinct=True,
            )
        except ValidationError:
            assert Evidence.objects.count() == before
            continue
        assert not url.lower().startswith(("javascript:", "vbscript:", "data:")), url
    entry_services.example_update(
        actor=moderator,
        example=Example.objects.get(pk=url_entry.pk),
        changes={"legal_note": PAYLOADS[0]},
    )

    # Entry comments (the HTML form, as the readers; the rate limit is 20 a minute each).
    for index, chunk in enumerate(payload_chunks):
        client.force_login(readers[index % len(readers)])
        response = client.post(f"/atlas/comments/on/{examples[0].pk}/", {"body": _body(chunk)})
        assert response.status_code == 302, response.content[:500]
    assert EntryComment.objects.filter(example=examples[0]).count() == len(payload_chunks)

    # Source metadata (service: an upload of a small text file).
    uploaded = source_services.source_create(
        user=author,
        metadata=source_services.SourceMetadata(
            title=f"Uploaded {PAYLOADS[1]}"[:300],
            authors=[p[:200] for p in PAYLOADS[10:14]],
            venue=PAYLOADS[20][:300],
            publisher=PAYLOADS[21][:300],
            abstract=_body(payload_chunks[2]),
            licence="CC BY 4.0",
        ),
        data=("A short paragraph about scoring.\n\n" + _body(payload_chunks[4])).encode(),
        filename="hostile.txt",
    )

    # A reading group (service): its name and description, and notes written for it,
    # shown on the group pages and, for its members, in the reader.
    from apps.annotations import services as annotation_services

    group = annotation_services.group_create(
        creator=author,
        name=PAYLOADS[0][:80],
        description="\n".join(p for p in PAYLOADS[:40] if "window.__xss=1" in p)[:2000],
    )
    for reader in readers:
        annotation_services.group_member_add(actor=author, group=group, username=reader.username)
    group_start = source.current_document.text.index("Sesame Credit")
    group_target = {
        "selector": [
            {"type": "TextPositionSelector", "start": group_start, "end": group_start + 13}
        ]
    }
    for chunk in payload_chunks[6:8]:
        response = client.post(
            "/api/annotations/",
            {
                "source": source.slug,
                "target": group_target,
                "body": _body(chunk),
                "visibility": "group",
                "group": group.slug,
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content

    # Flag texts (service; sources are the flaggable type on main) and moderation
    # reasons (action): the queue and the log show them.
    flag_chunks = iter(payload_chunks)
    for target in (source, uploaded):
        for reader in readers:
            flag_create(
                flagger=reader, target=target, reason="inaccurate", text=_body(next(flag_chunks))
            )
    # The author became trusted by publishing entries, so the upload skipped the queue:
    # open its item directly to have a decision (and its reason) to show.
    decided = review_item_open(item_type="uploaded_source", target=uploaded)
    review_item_decide(
        actor=moderator, item=decided, decision="publish", reason=_body(payload_chunks[5])
    )

    return {
        "group": group,
        "author": author,
        "moderator": moderator,
        "source": source,
        "uploaded": Source.objects.get(pk=uploaded.pk),
        "examples": examples,
    }


def _visit(page, url: str, evidence: dict) -> None:
    evidence.setdefault("visited", []).append(url)
    # Quiet network (every script's fetches answered); on a loaded CI machine a page of the
    # moderation log took over the default 10 s to get there (two-process run, session 8).
    page.goto(url, wait_until="networkidle", timeout=30_000)
    # Hover and focus everything once: handlers that need a gesture get their chance.
    page.evaluate(
        "() => { for (const el of document.querySelectorAll('main *')) {"
        " el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); } }"
    )
    page.wait_for_timeout(100)
    state = page.evaluate("() => ({xss: window.__xss || 0, dialogs: window.__dialogs || []})")
    if state["xss"] or state["dialogs"]:
        evidence["executions"].append(f"{url}: {state}")
    if page.evaluate("() => document.body.innerHTML.includes('window.__xss=1')"):
        evidence.setdefault("shown", []).append(url)
    for item in page.evaluate(DOM_PROBE):
        evidence["dom"].append(f"{url}: {item}")


def _watch(page, evidence: dict) -> None:
    page.add_init_script(INIT_SCRIPT)
    page.on(
        "dialog", lambda dialog: (evidence["executions"].append(dialog.message), dialog.dismiss())
    )
    page.on(
        "console",
        lambda message: (
            evidence["console"].append(message.text)
            if "Refused to" in message.text or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            evidence["requests"].append(request.url)
            if "evil.example" in request.url or "/__xss-canary/" in request.url
            else None
        ),
    )


def test_stored_xss_corpus_never_executes(live_server, login_page, client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert len(PAYLOADS) >= 100
    world = _write_everything(client, passage_text="social credit system")
    evidence = {"executions": [], "console": [], "requests": [], "dom": []}

    author_page = login_page(world["author"])
    _watch(author_page, evidence)
    pages = [
        f"/sources/{world['source'].slug}/",
        f"/sources/{world['uploaded'].slug}/",
        *[example.get_absolute_url() for example in world["examples"]],
        "/atlas/countries/FR/",
        "/atlas/",
        "/search/?q=window",
        "/search/?q=script",
        "/activity/",
        "/users/xss-author/",
        "/users/xss-reader-0/",
        "/notifications/",
        "/profile/",
        "/groups/",
        world["group"].get_absolute_url(),
    ]
    for url in pages:
        _visit(author_page, url, evidence)

    moderator_page = login_page(world["moderator"])
    _watch(moderator_page, evidence)
    for url in ["/moderation/", "/moderation/log/", "/moderation/?status=decided"]:
        _visit(moderator_page, url, evidence)

    # Every page really displayed stored payloads (as text), so each visit tested them.
    shown = evidence.pop("shown", [])
    assert [url for url in evidence.pop("visited") if url not in shown] == []
    assert evidence == {"executions": [], "console": [], "requests": [], "dom": []}


def test_the_detectors_see_an_injection(page):
    """Control: markup injected past the server trips the same detectors, so a clean
    run above means nothing was injected (not that nothing was watched)."""
    evidence = {"executions": [], "console": [], "requests": [], "dom": []}
    _watch(page, evidence)
    page.goto("/", wait_until="networkidle")
    page.evaluate(
        """() => document.querySelector("main").insertAdjacentHTML("beforeend",
        '<img src=x onerror="window.__xss=1"><a href="javascript:window.__xss=1">x</a>'
        + '<img src="//evil.example/x.png">')"""
    )
    page.evaluate("() => alert('control')")
    page.wait_for_timeout(300)
    assert any("onerror" in item for item in page.evaluate(DOM_PROBE))
    assert any("javascript" in item for item in page.evaluate(DOM_PROBE))
    assert page.evaluate("() => window.__dialogs") == ["alert"]
    assert evidence["console"], "CSP reported no violation for an inline handler"
    assert evidence["requests"], "the request to the attacker's host was not seen"
