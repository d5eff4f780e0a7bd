"""Who contributed to an imported entry: the rule (ADR 0017).

An export names every contributor of an entry (``contributors_json``: public name, ORCID
iD, role). On import each one is credited again, and **never as someone else**:

- a contributor is linked to an account here only when that account is the importer's
  own: the file's ORCID iD equals the importer's (the importer is credited as the
  entry's author anyway, so the credit is not repeated);
- nobody else is matched to an account, by name or by ORCID iD: both are self-declared
  on this site (there is no ORCID sign-in yet), so matching them would let anyone who
  copies a name or an iD into their profile collect another person's work (and the
  trust that contributions earn);
- everyone else is kept as a *recorded credit* on the entry (``Example.recorded_credits``:
  name and iD as the file gives them, and the role): shown, cited and exported like any
  contributor, linked to no profile.

An operator's import (no importer) records every contributor.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.accounts.validators import normalize_orcid, validate_orcid

from ..models import ContributorRole
from .cells import json_objects

MAX_CREDITS = 50
NAME_MAX_LENGTH = 200


def parse_credits(raw: str, errors: list[str]) -> list[dict]:
    """``contributors_json`` → [{"name", "orcid", "role"}], checked; problems appended to
    ``errors`` (in the row's words)."""
    if not raw:
        return []
    items = json_objects(raw, errors, _("contributors_json is not a JSON list of contributors."))
    if items is None:
        return []
    if len(items) > MAX_CREDITS:
        errors.append(_("At most %(n)s contributors, please.") % {"n": MAX_CREDITS})
        return []
    credits, seen = [], set()
    for index, item in enumerate(items, start=1):
        label = _("Contributor %(n)s") % {"n": index}
        name = " ".join(str(item.get("name") or "").replace("\x00", "").split())
        orcid = normalize_orcid(str(item.get("orcid") or "").replace("\x00", ""))
        role = str(item.get("role") or ContributorRole.AUTHOR)
        if not name or len(name) > NAME_MAX_LENGTH:
            errors.append(
                _("%(label)s: give a name of at most %(n)s characters.")
                % {"label": label, "n": NAME_MAX_LENGTH}
            )
            continue
        try:
            validate_orcid(orcid)
        except ValidationError as exc:
            errors.append(f"{label}: {' '.join(exc.messages)}")
            continue
        if role not in ContributorRole.values:
            errors.append(
                _("%(label)s: the role is one of %(roles)s.")
                % {"label": label, "roles": ", ".join(ContributorRole.values)}
            )
            continue
        if (name, orcid) in seen:
            continue
        seen.add((name, orcid))
        credits.append({"name": name, "orcid": orcid, "role": role})
    return credits


def recorded_credits(credits: list[dict], importer) -> list[dict]:
    """The credits to record on the entry: all of them, less the importer's own (the
    same ORCID iD), who is credited through their account."""
    own = (getattr(importer, "orcid", "") or "") if importer is not None else ""
    return [c for c in credits if not (own and c["orcid"] == own)]
