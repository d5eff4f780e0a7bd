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


def _credit_identity(credit: dict) -> tuple[str, str]:
    """Who a recorded credit names: its ORCID iD when it has one, else its name (spaces
    and case aside). The same name with and without an iD counts as two people: a merge
    may then show a name twice, but never drops one."""
    orcid = credit.get("orcid") or ""
    if orcid:
        return ("orcid", orcid)
    return ("name", " ".join(str(credit.get("name") or "").split()).casefold())


def recorded_credits_to_carry(*, source: Example, target: Example) -> list[dict]:
    """The name-only credits of ``source`` (recorded from an imported file, ADR 0017)
    that a merge into ``target`` adds to it, in the source's order, role ``merged``: all
    but those ``target`` already has (the same iD, or the same name where neither has an
    iD, among its own recorded credits; the same iD as an account it credits, only when
    that iD is verified: a self-declared iD must not take someone's credit away)."""
    have = {_credit_identity(credit) for credit in target.recorded_credits or []}
    for user in credited_accounts(target):
        if user.orcid and user.orcid_verified:
            have.add(("orcid", user.orcid))
    carried = []
    for credit in source.recorded_credits or []:
        key = _credit_identity(credit)
        if key in have:
            continue
        have.add(key)
        carried.append(
            {"name": credit["name"], "orcid": credit.get("orcid") or "",
             "role": str(ContributorRole.MERGED)}
        )  # fmt: skip
    return carried


def without_carried_credits(recorded: list[dict], carried: list[dict]) -> list[dict]:
    """``recorded`` less the credits a merge carried in (each once, the last equal one:
    the merge appended them), for its undo; credits added since stay."""
    remaining = list(recorded or [])
    for credit in carried or []:
        for index in range(len(remaining) - 1, -1, -1):
            if remaining[index] == credit:
                del remaining[index]
                break
    return remaining


def uncredit_merge(*, merge: ExampleMerge) -> list[int]:
    """Undo ``credit_merge``: remove the credit the merge added (and nothing earned since).
    Returns the user ids whose credit was removed."""
    rows = ExampleContributor.objects.filter(merge=merge, example_id=merge.target_id)
    removed = sorted(rows.values_list("user_id", flat=True))
    rows.delete()
    # Someone another live merge into the same entry also brought (it skipped them then,
    # as already credited) stays credited, now through that merge.
    kept: set[int] = set()
    others = (
        ExampleMerge.objects.filter(target_id=merge.target_id, undone_at__isnull=True)
        .exclude(pk=merge.pk)
        .select_related("source", "target")
        .order_by("created", "pk")
    )
    for other in others:
        kept.update(row.user_id for row in credit_merge(merge=other))
    return [user_id for user_id in removed if user_id not in kept]


def contributors_of_uncached(example: Example) -> list[ExampleContributor]:
    """The entry's contributors, fresh from the database (for writes)."""
    return list(
        ExampleContributor.objects.filter(example=example)
        .select_related("user")
        .order_by("since", "pk")
    )
