"""Every public page of the foundation loads in Chromium without CSP violations or JS errors."""

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/sources/",
    "/sources/wong-2021-social-credit/",
    "/accounts/login/",
    "/accounts/signup/",
    "/api/docs/",
    "/no-such-page/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_csp_violations_or_errors(page, founding_paper, path):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
    assert page.js_errors == []


def test_api_docs_render_offline(page, founding_paper):
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert "Creditscape API" in page.locator(".swagger-ui .info").inner_text()
