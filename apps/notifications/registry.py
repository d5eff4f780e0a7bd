"""What the inbox asks of the apps above it, filled from their ``AppConfig.ready()``.

- ``register_subject(model, visible_to)``: a notification about a ``model`` row is listed,
  counted and e-mailed only while ``visible_to(user)`` (a queryset of that model) holds
  the row. A notification about a model nobody registered never shows: forgetting to
  register hides, it never leaks.
- ``register_verbs(kind, labels)``: the words for a kind's verbs (a decision's "hide" →
  "Hidden"), kept by the app that owns that vocabulary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.db.models import Model, Q, QuerySet

VisibleTo = Callable[[object], QuerySet]

_subjects: dict[type[Model], VisibleTo] = {}
_verbs: dict[str, Mapping[str, str]] = {}


def register_subject(model: type[Model], visible_to: VisibleTo) -> None:
    """Add (or replace: ``ready()`` may run twice in tests) ``model``'s visibility rule."""
    _subjects[model] = visible_to


def register_verbs(kind: str, labels: Mapping[str, str]) -> None:
    _verbs[kind] = labels


def verb_label(kind: str, verb: str) -> str:
    return str(_verbs.get(kind, {}).get(verb, verb))


def subject_visible(*, user, subject: Model) -> bool:
    """Whether ``user`` may see ``subject`` (one query). Raises ``LookupError`` for a
    model nobody registered: a caller forgot ``register_subject``."""
    visible_to = _subjects.get(type(subject))
    if visible_to is None:
        raise LookupError(f"{type(subject).__name__} is not registered as a subject")
    return visible_to(user).filter(pk=subject.pk).exists()


def visible_q(user) -> Q:
    """The notifications ``user`` may still read: those without a subject, and those
    whose subject the subject's app says ``user`` may see. A join and subqueries only
    (the content type by name, not by a cached id lookup): a list stays one query."""
    allowed = Q(subject_type__isnull=True)
    for model, visible_to in _subjects.items():
        allowed |= Q(
            subject_type__app_label=model._meta.app_label,
            subject_type__model=model._meta.model_name,
            subject_id__in=visible_to(user).values("pk"),
        )
    return allowed
