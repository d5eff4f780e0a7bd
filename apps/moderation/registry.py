"""Target adapters: how moderation acts on another app's objects without knowing them.

Each moderated type (source, entry, annotation, comment, ...) registers one adapter,
usually in its AppConfig.ready()::

    from apps.moderation.registry import TargetAdapter, register_target

    class EntryAdapter(TargetAdapter):
        model = Entry
        decisions = frozenset({"publish", "request_changes", "reject", "hide", "restore", "spam"})
        def author(self, obj): return obj.created_by
        def country(self, obj): return obj.country.code or None
        def publish(self, obj, *, actor, reason): entry_publish(...)   # the app's own service
        ...

    register_target("entry", EntryAdapter())

Contract for the decision methods (``publish``, ``request_changes``, ``reject``, ``hide``,
``restore``, ``spam``, ``hide_pending_review``): they run inside the moderation
transaction, change only the target's own state, and neither write audit rows nor notify
anyone (the moderation action does both, once). To refuse, raise
``django.core.exceptions.ValidationError`` with a message for the moderator: the whole
decision rolls back. ``state(obj)`` returns a small JSON-able dict recorded as the audit
row's before/after values.

Versions (optional): an adapter whose content changes over time implements
``version(obj)`` (an integer that moves on every change of what a reviewer judges) and
``snapshot(obj)`` (a flat JSON-able dict of what the reviewer must see). A review item
then records both when it is opened, the queue shows what changed since, and a decision
applies only to the version the moderator saw: if ``version(obj)`` moved, the decision
is refused (HTTP 409, ``errors.TargetChanged``) with ``diff(before, after)``. The action
calls ``lock(obj)`` first, so the version cannot move between the check and the
decision. ``field_label`` and ``display_value`` put snapshot fields into words.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

ALL_DECISIONS = frozenset({"publish", "request_changes", "reject", "hide", "restore", "spam"})


class UnknownTargetType(ValidationError):
    pass


class TargetAdapter:
    """Base adapter. Subclasses set ``model`` and override what their type supports."""

    model: type[models.Model]
    #: Decisions this type supports; others are refused with a clear message.
    decisions: frozenset[str] = ALL_DECISIONS
    #: Whether signed-in users may flag objects of this type.
    flaggable: bool = True
    #: Set by register_target.
    type_name: str = ""
    #: The order to show snapshot fields in (stored snapshots do not keep theirs).
    snapshot_fields: tuple[str, ...] = ()

    # --- Reading ------------------------------------------------------------------------

    def get(self, object_id: Any) -> models.Model | None:
        """The object, or None if it no longer exists (or the id is malformed)."""
        try:
            return self.model._default_manager.filter(pk=object_id).first()
        except (ValueError, TypeError, ValidationError):
            return None

    def label(self, obj) -> str:
        return str(obj)[:300]

    def url(self, obj) -> str:
        get_url = getattr(obj, "get_absolute_url", None)
        return get_url() if get_url else ""

    def country(self, obj) -> str | None:
        """ISO 3166-1 alpha-2 code used for moderators' country scopes, or None."""
        return None

    def category(self, obj) -> str | None:
        """A category slug for the queue's filter, or None."""
        return None

    def author(self, obj):
        """The user responsible for the object (told about decisions; cannot flag it)."""
        return None

    def state(self, obj) -> dict:
        """A small JSON-able snapshot for the audit log's before/after columns."""
        return {}

    def is_visible_to(self, obj, user) -> bool:
        """Whether ``user`` may see (and so flag) the object."""
        return True

    # --- Versions (see the module docstring) ----------------------------------------------

    def version(self, obj) -> int | None:
        """The object's current version, or None for types without versions (then a
        decision is never refused for a change)."""
        return None

    def snapshot(self, obj) -> dict:
        """What a reviewer must see of ``obj``: field name → JSON-able value, in the order
        to show them. Recorded on the review item when it is opened."""
        return {}

    def get_many(self, object_ids) -> dict[str, models.Model]:
        """Objects by id (as text) for the queue's "changed since" column: one query (or a
        few, with whatever ``snapshot`` needs prefetched), whatever the number of ids."""
        try:
            rows = self.model._default_manager.filter(pk__in=list(object_ids))
            return {str(obj.pk): obj for obj in rows}
        except (ValueError, TypeError, ValidationError):
            return {}

    def lock(self, obj) -> models.Model:
        """Lock what ``version(obj)`` depends on until the transaction ends and return the
        object as it now stands. Default: the object's own row."""
        return self.model._default_manager.select_for_update().get(pk=obj.pk)

    def field_label(self, name: str) -> str:
        """The label of a snapshot field."""
        return name.replace("_", " ").capitalize()

    def display_value(self, name: str, value: Any) -> str:
        """A snapshot value in words."""
        return display_json(value)

    def diff(self, before: dict | None, after: dict | None) -> list[dict]:
        """Field-by-field changes between two snapshots (see ``snapshot_diff``)."""
        return snapshot_diff(
            before,
            after,
            label=self.field_label,
            display=self.display_value,
            order=self.snapshot_fields,
        )

    def describe(self, snapshot: dict | None) -> list[dict]:
        """A snapshot as rows to show: ``{"field", "label", "value"}``."""
        snapshot = snapshot or {}
        return [
            {
                "field": name,
                "label": self.field_label(name),
                "value": self.display_value(name, snapshot[name]),
            }
            for name in ordered_fields(self.snapshot_fields, snapshot)
        ]

    # --- Decisions (see the module docstring for the contract) --------------------------

    def publish(self, obj, *, actor, reason: str) -> None:
        raise NotImplementedError

    def request_changes(self, obj, *, actor, reason: str) -> None:
        raise NotImplementedError

    def reject(self, obj, *, actor, reason: str) -> None:
        raise NotImplementedError

    def hide(self, obj, *, actor, reason: str) -> None:
        raise NotImplementedError

    def restore(self, obj, *, actor, reason: str) -> None:
        raise NotImplementedError

    def spam(self, obj, *, actor, reason: str) -> None:
        """Default: spam is hidden like any rejected content."""
        self.hide(obj, actor=actor, reason=reason)

    def hide_pending_review(self, obj) -> None:
        """Flags reached MODERATION_FLAG_HIDE_SCORE: hide until a moderator decides.
        Default: the same as a hide with no actor."""
        self.hide(obj, actor=None, reason=_("Hidden automatically pending review of flags."))


def display_json(value: Any) -> str:
    """A JSON value in words: lists joined by "; ", objects as "key: value", empty as "—"."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (list, tuple)):
        return "; ".join(display_json(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {display_json(item)}" for key, item in value.items())
    return str(value)


def ordered_fields(order, *snapshots: dict | None) -> list[str]:
    """The field names of ``snapshots``: those named in ``order`` first, in that order,
    then the others in the order the snapshots give them (a stored snapshot comes back
    from PostgreSQL's jsonb with its keys re-ordered, so an adapter that cares about the
    order names it)."""
    seen: dict[str, None] = {}
    for snapshot in snapshots:
        for name in snapshot or {}:
            seen.setdefault(name, None)
    rank = {name: index for index, name in enumerate(order or ())}
    named = sorted((name for name in seen if name in rank), key=rank.__getitem__)
    return named + [name for name in seen if name not in rank]


def snapshot_diff(
    before: dict | None,
    after: dict | None,
    *,
    label=lambda name: name.replace("_", " ").capitalize(),
    display=lambda name, value: display_json(value),
    order=(),
) -> list[dict]:
    """The fields whose values differ between two snapshots: ``[{"field", "label",
    "before", "after"}]`` with the values in words, in ``order`` (then in the order of
    ``after``, then of ``before``). Missing and empty values count as equal."""
    before, after = before or {}, after or {}
    changes = []
    for name in ordered_fields(order, after, before):
        old, new = before.get(name), after.get(name)
        if old == new or (old in (None, "", [], {}) and new in (None, "", [], {})):
            continue
        changes.append(
            {
                "field": name,
                "label": str(label(name)),
                "before": display(name, old),
                "after": display(name, new),
            }
        )
    return changes


_registry: dict[str, TargetAdapter] = {}
_by_model: dict[type[models.Model], TargetAdapter] = {}


def register_target(type_name: str, adapter: TargetAdapter) -> TargetAdapter:
    """Register ``adapter`` for ``type_name`` (the name used in the API: "source",
    "entry", "annotation"...). Registering the same name again replaces the adapter."""
    if getattr(adapter, "model", None) is None:
        raise TypeError(f"{type(adapter).__name__} must set `model`.")
    unknown = set(adapter.decisions) - ALL_DECISIONS
    if unknown:
        raise ValueError(f"Unknown decisions {sorted(unknown)} for {type_name!r}.")
    previous = _registry.get(type_name)
    if previous is not None:
        _by_model.pop(previous.model, None)
    adapter.type_name = type_name
    _registry[type_name] = adapter
    _by_model[adapter.model] = adapter
    return adapter


def unregister_target(type_name: str) -> None:
    adapter = _registry.pop(type_name, None)
    if adapter is not None:
        _by_model.pop(adapter.model, None)


def registered_types() -> list[str]:
    return sorted(_registry)


def get_adapter(type_name: str) -> TargetAdapter:
    try:
        return _registry[type_name]
    except KeyError:
        raise UnknownTargetType(
            _("Unknown target type “%(type)s”. Known types: %(known)s.")
            % {"type": type_name, "known": ", ".join(registered_types()) or "-"},
            code="unknown_target_type",
        ) from None


def adapter_for(obj_or_model) -> TargetAdapter | None:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    model = model._meta.concrete_model
    return _by_model.get(model)


def adapter_for_content_type(content_type_id: int) -> TargetAdapter | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return _by_model.get(model) if model is not None else None
