"""Who contributed to an entry, and how they are credited.

An entry's contributors (ExampleContributor rows) are its author, everyone whose
suggested edit was accepted, and the contributors of entries merged into it. They are
shown on the entry page ("Contributors: A, B"), in its citations ("Creditscape
contributors: A, B", apps/atlas/citation.py), in the API entry payload and in every
export. Public output names people by their public name only (display name, else user
name; never an e-mail address); a deactivated account is still credited.

Writes happen inside the services that make the contribution (entry creation, accepting
a suggested edit, merging), in their transaction; nobody credits people by hand.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from apps.common.prefetch import related

from .models import ContributorRole, Example, ExampleContributor, ExampleMerge


def contributors_prefetch() -> Prefetch:
    """For selectors: an entry's contributors with their accounts, in credit order, in
    one query for any number of entries."""
    return Prefetch(
        "contributors",
        queryset=ExampleContributor.objects.select_related("user").order_by("since", "pk"),
    )


def contributors_of(example: Example) -> list[ExampleContributor]:
    """The entry's contributors in credit order (author first, then by when they joined).
    Uses the prefetch when the selector made one; one query otherwise."""
    return list(related(example, "contributors"))


@dataclass(frozen=True)
class Credit:
    """One contributor as public output shows them: public name, role, since when, and
    their ORCID iD when their profile shows one (verified: it came from an ORCID sign-in)."""

    name: str
    role: str
    since: datetime.datetime
    orcid: str = ""
    orcid_verified: bool = False

    @property
    def orcid_url(self) -> str:
        return f"https://orcid.org/{self.orcid}" if self.orcid else ""


def _credit(user, role: str, since) -> Credit:
    return Credit(user.public_name, role, since, user.orcid or "", bool(user.orcid_verified))


def credits(example: Example) -> list[Credit]:
    """The entry's contributors in credit order. Its author always comes first, also
    for entries written around the services (bulk imports, the admin) that have no
    contributor rows; contributors recorded from an imported file (no account here)
    come after the accounts, in the file's order."""
    return _credit_rows(example)


def _credit_rows(example: Example) -> list[Credit]:
    # With the contributors prefetched (exports, release cuts) the answer cannot change
    # for this instance: kept on it, as every format of an entry asks several times.
    prefetched = "contributors" in getattr(example, "_prefetched_objects_cache", {})
    if prefetched and "_credit_rows" in example.__dict__:
        return list(example.__dict__["_credit_rows"])
    result = _credit_rows_uncached(example)
    if prefetched:
        example.__dict__["_credit_rows"] = result
    return list(result)


def _credit_rows_uncached(example: Example) -> list[Credit]:
    rows = contributors_of(example)
    result = [_credit(row.user, row.role, row.since) for row in rows]
    if example.author_id is not None and example.author_id not in {row.user_id for row in rows}:
        result.insert(0, _credit(example.author, ContributorRole.AUTHOR, example.created))
    # Credits recorded from an imported file: names (and iDs as the file gave them), no
    # account here, so never "verified" (ADR 0017).
    result += [
        Credit(r["name"], r["role"], example.created, r.get("orcid", ""))
        for r in example.recorded_credits or []
    ]
    return result


def credit_records(example: Example) -> list[dict]:
    """Every credit as ``{"name", "orcid", "role"}`` (public name, ORCID iD or "", role),
    in credit order: what the exports carry (``contributors_json``), the releases keep,
    and an import reads back (apps/atlas/imports/credits.py)."""
    return [{"name": c.name, "orcid": c.orcid, "role": str(c.role)} for c in _credit_rows(example)]


def contributor_names(example: Example) -> list[str]:
    """Public names of the entry's contributors, in credit order."""
    return [credit.name for credit in credits(example)]


def contributor_credit(
    *,
    example: Example,
    user,
    role: str,
    since=None,
    merge: ExampleMerge | None = None,
) -> ExampleContributor | None:
    """Credit ``user`` on ``example`` (idempotent: one row per person and entry). Called
    by the services in their transaction, after their own permission checks. A person
    credited only through a live merge who now contributes on their own keeps the credit
    when the merge is undone (the row is detached from the merge). None for no user."""
    if user is None or user.pk is None:
        return None
    row = ExampleContributor.objects.filter(example=example, user=user).first()
    if row is not None:
        if row.merge_id is not None and merge is None:
            row.merge = None
            row.role = role
            row.save(update_fields=["merge", "role"])
        return row
    row = ExampleContributor(
        example=example, user=user, role=role, since=since or timezone.now(), merge=merge
    )
    row.full_clean(validate_constraints=False)
    row.save()
    return row


def credit_author(example: Example) -> None:
    """A new entry credits its author."""
    if example.author_id is not None:
        contributor_credit(
            example=example, user=example.author, role=ContributorRole.AUTHOR, since=example.created
        )


def credited_accounts(example: Example) -> list:
    """Everyone credited on ``example`` as accounts, fresh from the database (for
    writes): its author first (also when it has no row), then the others."""
    people = [row.user for row in contributors_of_uncached(example)]
    if example.author_id is not None and example.author_id not in {u.pk for u in people}:
        people.insert(0, example.author)
    return people


def credit_merge(*, merge: ExampleMerge) -> list[ExampleContributor]:
    """The survivor of ``merge`` credits every contributor of the merged entry it did not
    credit yet (role ``merged``, tied to the merge so an undo takes exactly that back).
    Returns the rows added."""
    target = merge.target
    already = set(ExampleContributor.objects.filter(example=target).values_list("user", flat=True))
    if target.author_id is not None:
        already.add(target.author_id)  # credited as the author, with or without a row
    added = []
    for user in credited_accounts(merge.source):
        if user.pk in already:
            continue
        already.add(user.pk)
        row = ExampleContributor(
            example=target, user=user, role=ContributorRole.MERGED, since=merge.created,
            merge=merge,
        )  # fmt: skip
        row.save()
        added.append(row)
    return added


def uncredit_merge(*, merge: ExampleMerge) -> list[int]:
    """Undo ``credit_merge``: remove the credit the merge added (and nothing earned since).
    Returns the user ids whose credit was removed."""
    rows = ExampleContributor.objects.filter(merge=merge, example_id=merge.target_id)
    removed = sorted(rows.values_list("user_id", flat=True))
    rows.delete()
    return removed


def contributors_of_uncached(example: Example) -> list[ExampleContributor]:
    """The entry's contributors, fresh from the database (for writes)."""
    return list(
        ExampleContributor.objects.filter(example=example)
        .select_related("user")
        .order_by("since", "pk")
    )
