"""The codebook: what each comparative dimension means and how to code it.

One definition per dimension and value, shown at /atlas/codebook/ and linked from the form,
so every contributor codes "transparency: partial" the same way.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .dimensions import (
    Confidence,
    Consequence,
    Contestable,
    DataSource,
    LegalBasis,
    Lifecycle,
    Operator,
    Scored,
    Transparency,
)

DIMENSIONS = [
    {
        "name": "operator",
        "label": _("Operator"),
        "question": _("Who runs the system?"),
        "multiple": False,
        "choices": Operator,
        "values": {
            "state": _("A government body or state agency runs it."),
            "private": _("A private company runs it for its own purposes or its customers."),
            "platform": _("An online platform scores its own users, sellers or workers."),
            "public_private": _("The state and private companies run it together."),
        },
    },
    {
        "name": "scored",
        "label": _("Who is scored"),
        "question": _("Whose behaviour or record is rated?"),
        "multiple": False,
        "choices": Scored,
        "values": {
            "individuals": _("Natural persons."),
            "businesses": _("Companies or organisations."),
            "both": _("Persons and organisations."),
        },
    },
    {
        "name": "data_sources",
        "label": _("Data sources"),
        "question": _("What data feeds the score? Tick all that the evidence names."),
        "multiple": True,
        "choices": DataSource,
        "values": {
            "financial": _("Payments, debts, income, bank or credit records."),
            "online_behaviour": _("Purchases, browsing, posts or other online activity."),
            "location": _("Where someone lives, goes or is registered; neighbourhood data."),
            "social_connections": _("Friends, contacts, neighbours or family and their scores."),
            "government_records": _("Court, tax, police, registry or administrative records."),
            "biometric": _("Faces, fingerprints, voice or other body measurements."),
        },
    },
    {
        "name": "consequences",
        "label": _("Consequences"),
        "question": _("What happens to the people scored? Tick all that apply."),
        "multiple": True,
        "choices": Consequence,
        "values": {
            "rewards": _("Benefits for a good score: faster service, discounts, privileges."),
            "sanctions": _("Penalties: fines, bans, withdrawal of licences or benefits."),
            "access_restrictions": _("Refused or limited access to housing, jobs, travel, credit."),
            "public_naming": _("Names published on lists or shown in public."),
            "price_differences": _("Different prices, interest rates or premiums."),
            "none_known": _("The evidence says there are no consequences."),
        },
    },
    {
        "name": "transparency",
        "label": _("Transparency of criteria"),
        "question": _("Can the people scored know how the score is made?"),
        "multiple": False,
        "choices": Transparency,
        "values": {
            "public": _("The criteria and their weights are published."),
            "partial": _("Some criteria are known; weights or data are not."),
            "opaque": _("The criteria are secret or a trade secret."),
        },
    },
    {
        "name": "contestable",
        "label": _("Right to contest"),
        "question": _("Can a person challenge or correct their score?"),
        "multiple": False,
        "choices": Contestable,
        "values": {
            "yes": _("There is a defined way to contest or correct it."),
            "no": _("There is no way to contest it."),
        },
    },
    {
        "name": "legal_basis",
        "label": _("Legal basis"),
        "question": _("What makes the system lawful? Add the law's name in the note."),
        "multiple": False,
        "choices": LegalBasis,
        "values": {
            "statute": _("An act of parliament or an equivalent law."),
            "regulation": _("A government regulation, decree or policy document."),
            "contract": _("Terms the scored people agree to (or must agree to)."),
            "none_known": _("The evidence names no legal basis."),
        },
    },
    {
        "name": "lifecycle",
        "label": _("Lifecycle"),
        "question": _("At what stage is the system (today, or when it ended)?"),
        "multiple": False,
        "choices": Lifecycle,
        "values": {
            "proposed": _("Announced or planned, not yet running."),
            "pilot": _("Running in a trial, a region or a limited group."),
            "active": _("Running in normal operation."),
            "discontinued": _("Stopped, banned or replaced."),
        },
    },
    {
        "name": "confidence",
        "label": _("Confidence"),
        "question": _("How sure are you of this description, given the evidence?"),
        "multiple": False,
        "choices": Confidence,
        "values": {
            "low": _("A single or indirect source; details may be wrong."),
            "medium": _("Reliable sources, but some dimensions are inferred."),
            "high": _("Several independent, primary or official sources agree."),
        },
    },
]

UNKNOWN_DEFINITION = _(
    "Choose “unknown” when the evidence does not say. Unknown is an answer, not a gap: "
    "it tells readers where research is still needed."
)


def dimensions() -> list[dict]:
    """The dimensions with their values as (value, label, definition), "unknown" last."""
    result = []
    for dimension in DIMENSIONS:
        values = [
            (value, label, dimension["values"].get(value, UNKNOWN_DEFINITION))
            for value, label in dimension["choices"].choices
        ]
        result.append({**dimension, "value_rows": values})
    return result
