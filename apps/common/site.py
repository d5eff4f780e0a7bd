"""Where the site lives: ``settings.SITE_URL`` (e.g. ``https://creditscape.example.org``).

Every absolute link the site writes — e-mails, the Atom feed, exports, permalinks,
citations, the API's resource URLs — is built by :func:`absolute_url`, never from the
request's ``Host`` header: a client chooses that header, and a page cached for everyone
must not carry the host one visitor sent (``Host: localhost:6666`` would otherwise end up
in the permalinks everyone is served).

django.contrib.sites stays installed (allauth and the admin read it); its row is kept in
step with ``SITE_URL`` and ``SITE_NAME`` after every ``migrate`` (:func:`sync_site`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_url() -> str:
    """``SITE_URL`` without a trailing slash. Production without it (which ``check
    --deploy`` refuses) falls back to https and the first concrete allowed host."""
    configured = getattr(settings, "SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    hosts = [host for host in settings.ALLOWED_HOSTS if host and not host.startswith((".", "*"))]
    return f"https://{hosts[0]}" if hosts else "http://localhost"


def site_host() -> str:
    """The canonical host (and port), e.g. ``creditscape.example.org``."""
    return urlsplit(site_url()).netloc


def absolute_url(path: str) -> str:
    """``path`` (``/sources/x/``) as an absolute URL on the canonical site. A URL that is
    already absolute is returned as it is; an empty path is the site's root."""
    if not path:
        return site_url() + "/"
    if "://" in path or path.startswith("mailto:"):
        return path
    if not path.startswith("/"):
        path = "/" + path
    return site_url() + path


def sync_site(**kwargs) -> None:
    """post_migrate: the Sites row says what SITE_URL and SITE_NAME say (instead of
    Django's ``example.com``)."""
    from django.contrib.sites.models import Site

    using = kwargs.get("using", "default")
    domain, name = site_host(), settings.SITE_NAME
    site = Site.objects.using(using).filter(pk=settings.SITE_ID).first()
    if site is None:
        Site.objects.using(using).create(pk=settings.SITE_ID, domain=domain, name=name)
    elif (site.domain, site.name) != (domain, name):
        site.domain, site.name = domain, name
        site.save(using=using, update_fields=["domain", "name"])
    Site.objects.clear_cache()
