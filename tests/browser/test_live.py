"""Live updates between two browsers (issue 14): the reader page served by uvicorn (the
ASGI server of `make run` and of the /ws/ sockets in production), one reader writes
through the API, the other sees "1 new annotation — show" and then the highlight;
a private note never shows up for the other reader. The socket-level guarantees are in
tests/annotations/test_live.py."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
from playwright.sync_api import expect

from tests.browser.axe import serious_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTE = "social credit system"


@pytest.fixture
def asgi_server(transactional_db, settings):
    """project.asgi.application under uvicorn in a thread (static files as runserver
    serves them), on a free port."""
    import uvicorn
    from channels.routing import ProtocolTypeRouter
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.asgi import get_asgi_application

    from project.asgi import application

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    app = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(get_asgi_application()),
            "websocket": application.application_mapping["websocket"],
        }
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def reader_page(browser, base_url, user=None):
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    if user is not None:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        context.add_cookies(
            [
                {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key,
                 "domain": "127.0.0.1", "path": "/"},
                {"name": "signed_in", "value": "1", "domain": "127.0.0.1", "path": "/"},
            ]
        )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


WRITE = """async (body) => {
  const token = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] || "";
  const response = await fetch("/api/annotations/", {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": decodeURIComponent(token)},
    body: JSON.stringify(body),
  });
  return [response.status, await response.json()];
}"""


def note(paper, **extra):
    start = paper.current_document.text.index(QUOTE)
    return {
        "source": paper.slug,
        "target": {
            "selector": [
                {"type": "TextPositionSelector", "start": start, "end": start + len(QUOTE)}
            ]
        },
        "body": "Written live.",
        **extra,
    }


def test_a_new_public_annotation_shows_in_the_other_browser(browser, asgi_server, founding_paper):
    writer_user = UserFactory(username="live-writer")
    reader = reader_page(browser, asgi_server)
    writer = reader_page(browser, asgi_server, writer_user)
    for page in (reader, writer):
        page.goto(founding_paper.get_absolute_url())
        expect(page.locator("#annotation-live-status")).to_have_attribute("data-state", "live")
    writer.wait_for_function("() => document.cookie.includes('csrftoken=')")
    marks_before = reader.locator("mark.hl").count()

    # A private note first: the other reader's page never hears of it.
    status, _ = writer.evaluate(WRITE, note(founding_paper, visibility="private"))
    assert status == 201
    status, created = writer.evaluate(WRITE, note(founding_paper, body="Public and live."))
    assert status == 201
    started = time.monotonic()
    show = reader.get_by_role("button", name="1 new annotation — show")
    expect(show).to_be_visible(timeout=2_000)
    assert time.monotonic() - started < 2.0
    # Nothing moved under the reader until they ask.
    assert reader.locator("mark.hl").count() == marks_before
    assert serious_violations(reader) == []
    show.click()
    expect(show).to_be_hidden()
    mark = reader.locator(f'mark.hl[data-ids*="{created["id"]}"]').first
    expect(mark).to_be_visible()
    mark.click()
    expect(reader.locator(f"#annotation-{created['id']}")).to_contain_text("Public and live.")
    expect(reader.get_by_text("Written live.")).to_have_count(0)
    # The writer's own annotation: never offered as "new" on their own page.
    expect(writer.get_by_role("button", name="1 new annotation — show")).to_be_hidden()
    assert reader.js_errors == [] and writer.js_errors == []


# Every WebSocket the page opens, so the test can drop one as a network would.
KEEP_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();"""


def test_a_dropped_socket_shows_offline_and_reconnects(browser, asgi_server, founding_paper):
    """Issue 14: "Reconnect with back-off; a status dot when offline". The reader's socket
    drops: the dot says offline, the page reconnects by itself (first retry after
    1-1.5 s) and hears the next public annotation."""
    writer = reader_page(browser, asgi_server, UserFactory(username="live-writer-2"))
    reader = reader_page(browser, asgi_server)
    reader.add_init_script(KEEP_SOCKETS)
    for page in (reader, writer):
        page.goto(founding_paper.get_absolute_url())
    dot = reader.locator("#annotation-live-status")
    expect(dot).to_have_attribute("data-state", "live")
    assert reader.evaluate("() => window.__sockets.length") == 1

    reader.evaluate("() => window.__sockets[0].close()")
    expect(dot).to_have_attribute("data-state", "offline")
    expect(dot).to_have_attribute("aria-label", "Offline: reconnecting…")
    expect(dot).to_have_attribute("data-state", "live", timeout=5_000)
    assert reader.evaluate("() => window.__sockets.length") == 2
    expect(dot).to_have_attribute("aria-label", re.compile("^Live"))

    writer.wait_for_function("() => document.cookie.includes('csrftoken=')")
    status, _ = writer.evaluate(WRITE, note(founding_paper, body="After the reconnect."))
    assert status == 201
    expect(reader.get_by_role("button", name="1 new annotation — show")).to_be_visible()
    assert reader.js_errors == [] and writer.js_errors == []


def test_my_note_from_another_tab_shows_at_once(browser, asgi_server, founding_paper):
    """A scholar with the paper open in two tabs writes a private note in one: the other
    shows its highlight without a reload and without "1 new annotation — show" (their
    own writes appear at once); nobody else's page hears of it."""
    me = UserFactory(username="two-tabs")
    here = reader_page(browser, asgi_server, me)
    there = reader_page(browser, asgi_server, me)
    stranger = reader_page(browser, asgi_server, UserFactory(username="two-tabs-stranger"))
    for page in (here, there, stranger):
        page.goto(founding_paper.get_absolute_url())
        expect(page.locator("#annotation-live-status")).to_have_attribute("data-state", "live")
    there.wait_for_function("() => document.cookie.includes('csrftoken=')")

    status, created = there.evaluate(
        WRITE, note(founding_paper, body="Only mine, from the other tab.", visibility="private")
    )
    assert status == 201
    mark = here.locator(f'mark.hl[data-ids*="{created["id"]}"]').first
    expect(mark).to_be_visible(timeout=3_000)
    expect(here.get_by_role("button", name=re.compile("new annotation"))).to_be_hidden()
    mark.click()
    expect(here.locator(f"#annotation-{created['id']}")).to_contain_text("Only mine")
    stranger.wait_for_timeout(1_000)
    expect(stranger.locator(f'mark.hl[data-ids*="{created["id"]}"]')).to_have_count(0)
    expect(stranger.get_by_role("button", name=re.compile("new annotation"))).to_be_hidden()
    assert here.js_errors == [] and there.js_errors == [] and stranger.js_errors == []
