"""The site never fetches a URL on the server (no URL import, link previews, webhooks or
avatars), so there is no server-side request forgery surface. This test keeps it so: a
new HTTP client in app code fails here, and whoever adds one must add the SSRF guard
(refuse loopback, private, link-local and metadata addresses, re-checked after every
redirect and DNS resolution) and its tests first. See docs/security.md."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("apps", "project")
NETWORK_MODULES = {
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "pycurl",
    "http.client",
    "urllib.request",
    "socket",
    "ftplib",
    "smtplib",  # mail goes through django.core.mail's configured backend only
}
NETWORK_CALLS = {"urlopen", "urlretrieve", "create_connection", "getaddrinfo"}


def _offences(path: Path, source: str | None = None) -> list[str]:
    if source is None:
        source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Attribute) and node.attr in NETWORK_CALLS:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {node.attr}")
        for name in names:
            if any(name == module or name.startswith(module + ".") for module in NETWORK_MODULES):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return found


def test_no_app_code_opens_outbound_connections():
    files = [path for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.py")]
    assert len(files) > 50  # the walk really saw the code
    offences = [offence for path in files for offence in _offences(path)]
    assert offences == [], (
        "App code opens network connections. Add an SSRF guard with tests "
        "(tests/security) before fetching user-supplied URLs:\n" + "\n".join(offences)
    )


def test_the_detector_catches_a_fetch():
    sample = ROOT / "apps" / "_ssrf_probe.py"
    assert _offences(sample, "import requests\n") == ["apps/_ssrf_probe.py:1 imports requests"]
    assert _offences(sample, "from urllib.request import urlopen\n") == [
        "apps/_ssrf_probe.py:1 imports urllib.request",
        "apps/_ssrf_probe.py:1 imports urllib.request.urlopen",
    ]
    assert _offences(sample, "import urllib.parse\nurllib.parse.quote('x')\n") == []
