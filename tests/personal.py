"""Pages as a signed-in viewer's browser shows them once static/js/site.js has run: the
public HTML with every ``[data-personal]`` slot filled by its private fragment."""

from __future__ import annotations

import html as html_module
import re

SLOT = re.compile(r'<div data-personal="([^"]+)"></div>')


def page_with_personal_layer(client, url: str, **extra) -> str:
    page = client.get(url, **extra)
    assert page.status_code == 200, (url, page.status_code)

    def fill(match) -> str:
        fragment = client.get(html_module.unescape(match.group(1)))
        assert fragment.status_code == 200
        assert "private" in fragment["Cache-Control"]
        return f"<div data-personal>{fragment.content.decode()}</div>"

    return SLOT.sub(fill, page.content.decode())


def granted(html: str) -> set[str]:
    """The permissions the page's fragments grant (site.js reveals [data-permission])."""
    return {name for value in re.findall(r'data-grants="([^"]*)"', html) for name in value.split()}


def flash_messages(client) -> list[str]:
    """The flash messages waiting for the viewer (site.js shows them from /api/me/)."""
    return [message["text"] for message in client.get("/api/me/").json()["messages"]]


def shown(client, response) -> str:
    """What the viewer reads after ``response``: the page and its flash messages."""
    return response.content.decode() + "\n".join(flash_messages(client))
