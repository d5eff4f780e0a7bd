"""Every URL pattern has a row in tests/security/routes.py, and every cell of that table
holds through HTTP: anonymous, contributor and moderator × GET and POST. Every HTML
response carries a Content-Security-Policy that forbids inline script."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import URLResolver, get_resolver, resolve

from .routes import EXTERNAL, ROLES, ROUTES
from .world import build_world


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(
                pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace or namespace
            )
        else:
            name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
            yield prefix + str(pattern.pattern), name


def project_routes() -> dict[str, str]:
    """URL name -> route for every pattern outside the third-party trees in EXTERNAL."""
    return {
        name: route
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(tuple(EXTERNAL))
    }


def test_every_route_has_a_row():
    missing = sorted(set(project_routes()) - set(ROUTES))
    assert missing == [], (
        "Routes without a row in tests/security/routes.py (state who may GET and POST "
        f"them): {missing}"
    )


def test_every_row_is_a_route():
    assert sorted(set(ROUTES) - set(project_routes())) == []


def test_unnamed_routes_are_refused():
    """The table is keyed by name; an unnamed pattern could not get a row."""
    assert "None" not in project_routes().values()
    assert not [route for name, route in project_routes().items() if name.endswith(":None")]


FRAMEABLE = ("atlas:embed", " /atlas/embed/")


def _check_csp(response, where: str, problems: list[str]) -> None:
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    if script is None or "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"{where}: script-src allows inline script or is missing: {policy!r}")
    if directives.get("object-src") != ["'none'"]:
        problems.append(f"{where}: object-src is not 'none': {policy!r}")
    # The embeddable map is the one page other sites may frame (docs/security.md).
    expected = ["*"] if any(mark in where for mark in FRAMEABLE) else ["'none'"]
    if directives.get("frame-ancestors") != expected:
        problems.append(f"{where}: frame-ancestors is not {expected[0]}: {policy!r}")


@pytest.fixture
def world(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def _request(client, user, method: str, url: str):
    """One request, rolled back afterwards so a POST cannot change what the next sees."""
    client.logout()
    if user is not None:
        client.force_login(user)
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    return response


def test_permission_table_holds(client, world):
    users = dict(zip(ROLES, (None, world.contributor, world.moderator), strict=True))
    mismatches: list[str] = []
    csp_problems: list[str] = []
    rows = dict(ROUTES)
    rows.update({f"external {prefix}": row for prefix, row in EXTERNAL.items()})
    for name, row in rows.items():
        url = row.path.format(**world.values)
        if not name.startswith("external"):
            assert resolve(url.split("?")[0]).view_name == name, (name, url)
        for method in ("get", "post"):
            for role, expected in zip(ROLES, getattr(row, method), strict=True):
                response = _request(client, users[role], method, url)
                _check_csp(response, f"{method.upper()} {url} as {role}", csp_problems)
                if response.status_code != expected:
                    mismatches.append(
                        f"{name}: {method.upper()} {url} as {role}: "
                        f"{response.status_code}, the table says {expected}"
                    )
    assert mismatches == [], "\n".join(mismatches)
    assert csp_problems == [], "\n".join(csp_problems)


def test_every_page_sends_a_csp_that_forbids_inline_script(client, world):
    """Each HTML route, fetched as a role that may see it (200): the policy is present."""
    users = dict(zip(ROLES, (None, world.contributor, world.moderator), strict=True))
    problems: list[str] = []
    pages = [(name, row) for name, row in ROUTES.items() if row.html]
    pages += [(f"external {prefix}", row) for prefix, row in EXTERNAL.items() if row.html]
    assert len(pages) >= 25
    for name, row in pages:
        role = next(role for role, code in zip(ROLES, row.get, strict=True) if code == 200)
        response = _request(client, users[role], "get", row.path.format(**world.values))
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("text/html"), name
        assert response.get("Content-Security-Policy"), f"{name} sends no CSP"
        _check_csp(response, name, problems)
    assert problems == [], "\n".join(problems)


@pytest.mark.browser
def test_no_csp_violations_in_the_browser(live_server, page, login_page, settings):
    """Every HTML route in Chromium, as the first role the table lets see it: the
    browser reports no Content-Security-Policy violation (an inline script or style the
    policy blocked) and no script error."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    pages = {"anonymous": page}
    pages["contributor"] = login_page(world.contributor)
    pages["moderator"] = login_page(world.moderator)
    violations: list[str] = []
    for role, browser_page in pages.items():
        browser_page.on(
            "console",
            lambda message, role=role: (
                violations.append(f"{role}: {message.text}")
                if "Content Security Policy" in message.text or "Refused to" in message.text
                else None
            ),
        )
    visited = 0
    for name, row in ROUTES.items():
        if not row.html:
            continue
        role = next(role for role, code in zip(ROLES, row.get, strict=True) if code == 200)
        browser_page = pages[role]
        errors_before = len(getattr(browser_page, "js_errors", []))
        response = browser_page.goto(row.path.format(**world.values), wait_until="networkidle")
        assert response.status == 200, name
        assert len(getattr(browser_page, "js_errors", [])) == errors_before, name
        visited += 1
    assert visited >= 25
    assert violations == []
