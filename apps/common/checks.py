"""System checks for the deployment (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.http.request import split_domain_port, validate_host


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs):
    """Production needs SITE_URL: every e-mail, feed, export and citation link is built
    from it (apps/common/site.py), and without it they would guess."""
    if settings.DEBUG:
        return []
    if not settings.SITE_URL:
        return [
            Error(
                "SITE_URL is not set.",
                hint="Set SITE_URL to the address readers use, e.g. "
                "https://creditscape.example.org: links in e-mails, the Atom feed, exports "
                "and citations are built from it.",
                id="creditscape.E001",
            )
        ]
    problems = []
    scheme, _, rest = settings.SITE_URL.partition("://")
    host, _port = split_domain_port(rest)
    if scheme != "https":
        problems.append(
            Warning(
                "SITE_URL is not https.",
                hint="Links in e-mails and citations would send readers to plain HTTP.",
                id="creditscape.W002",
            )
        )
    if not validate_host(host, settings.ALLOWED_HOSTS):
        problems.append(
            Warning(
                f"SITE_URL's host {host!r} is not in ALLOWED_HOSTS.",
                hint="Add it to DJANGO_ALLOWED_HOSTS, or links would point to a host that "
                "answers 400.",
                id="creditscape.W003",
            )
        )
    return problems
