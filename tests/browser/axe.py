"""Run axe-core (vendored from the npm package) in a Playwright page."""

from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[dict]:
    # Evaluated through DevTools, so the page's CSP (no inline script) does not block it.
    page.evaluate(AXE_JS.read_text() + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
