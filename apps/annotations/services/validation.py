"""Validating what an annotation says: tags, comment body, choices, and the checks every
write makes first (signed in, version ready)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django_countries import countries

from apps.sources.models import Document, DocumentStatus

from ..models import BODY_MAX_LENGTH, Motivation

MAX_TAGS = 20
MAX_TAG_LENGTH = 64
COUNTRY_TAG_PREFIX = "country:"
_TAG_FORBIDDEN = re.compile(r"[\"<>\x00-\x1f,]")
_WHITESPACE = re.compile(r"\s+")


def normalize_tags(tags: Iterable[str] | None) -> list[str]:
    """Trimmed, lower-cased, whitespace-collapsed, de-duplicated (first wins) tags.
    ``country:xx`` becomes ``country:XX`` and must be an ISO 3166 code."""
    result: list[str] = []
    for raw in tags or []:
        if not isinstance(raw, str):
            raise ValidationError({"tags": _("Each tag must be text.")})
        tag = _WHITESPACE.sub(" ", raw).strip()
        if not tag:
            continue
        if tag.lower().startswith(COUNTRY_TAG_PREFIX):
            code = tag[len(COUNTRY_TAG_PREFIX) :].strip().upper()
            if len(code) != 2 or code not in countries:
                raise ValidationError(
                    {
                        "tags": _(
                            "“%(tag)s” is not a country tag: write country: and a two-letter "
                            "ISO 3166 code, for example country:DE."
                        )
                        % {"tag": tag}
                    }
                )
            tag = COUNTRY_TAG_PREFIX + code
        else:
            tag = tag.lower()
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                {"tags": _("A tag is at most %(n)d characters.") % {"n": MAX_TAG_LENGTH}}
            )
        if _TAG_FORBIDDEN.search(tag):
            raise ValidationError(
                {"tags": _("Tags cannot contain commas, quotes, < or >: “%(tag)s”.") % {"tag": tag}}
            )
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(n)d tags.") % {"n": MAX_TAGS}})
    return result


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("The comment is at most %(max)s characters; it has %(n)s.")
                % {"max": f"{BODY_MAX_LENGTH:,}", "n": f"{len(body):,}"}
            }
        )
    return body


def _check_choice(value: str, allowed, field: str) -> str:
    values = [str(choice) for choice in allowed]
    if value not in values:
        raise ValidationError(
            {
                field: _("Unknown %(field)s “%(value)s”; use one of: %(allowed)s.")
                % {"field": field, "value": value, "allowed": ", ".join(values)}
            }
        )
    return value


def _check_not_empty(*, body: str, tags: list[str], motivation: str) -> None:
    if not body and not tags and motivation != Motivation.HIGHLIGHTING:
        raise ValidationError(
            {"body": _("Write a comment or add a tag (only a highlight may be empty).")}
        )


def _check_signed_in(user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to annotate."))


def _check_document_ready(document: Document) -> None:
    if document.status != DocumentStatus.READY:
        raise ValidationError(
            {
                "document": _("This version cannot be annotated: it is %(status)s, not ready.")
                % {"status": document.get_status_display().lower()}
            }
        )


# The relations the create services set from rows they have just read in the same
# transaction (the author, the version and its source, the resolved passage, the checked
# group, the parent and its thread), and that an edit never changes: ``full_clean`` need
# not ask the database whether they exist (one SELECT each); the foreign keys still hold.
_RELATIONS_READ_BY_THE_SERVICE = (
    "source",
    "document",
    "author",
    "passage",
    "group",
    "parent",
    "thread",
)


def _clean_without_queries(annotation) -> None:
    """``full_clean`` for an annotation a create or edit service built: every field's own
    validation (lengths, choices), without a database round trip. The check constraints
    (a span ends after it starts; a reply has a thread and no target of its own; a group
    note has its group) are what the service has just checked itself; Django would check
    each again with a SAVEPOINT, a SELECT and a RELEASE, and the database enforces them at
    the INSERT all the same. Those 16 round trips were half of a create's queries, each
    one waiting for PostgreSQL to be scheduled on a busy machine (docs/benchmarks.md,
    "Live readers under make load")."""
    annotation.full_clean(exclude=_RELATIONS_READ_BY_THE_SERVICE, validate_constraints=False)
