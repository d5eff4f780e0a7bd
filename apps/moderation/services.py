"""Writes for moderation. Every moderation action goes through a function here (decisions
through the action objects in actions.py) and writes exactly one audit row with
``audit_record``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries as all_countries

from apps.common import viewer_cache

from . import permissions
from .errors import ModerationConflict
from .models import (
    AuditAction,
    AuditLogEntry,
    Decision,
    Flag,
    FlagReason,
    FlagStatus,
    HiddenContent,
    HiddenReason,
    ModerationNotice,
    ModeratorScope,
    ReviewItem,
    ReviewItemType,
    ReviewStatus,
    UserModerationState,
)
from .permissions import MODERATOR_GROUP, TRUSTED_GROUP
from .registry import adapter_for

logger = logging.getLogger(__name__)


def _json_safe(value: Any) -> Any:
    """Before/after values go through Django's encoder (dates, decimals, UUIDs) once, so
    what is stored is exactly what the CSV and API later show."""
    import json

    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def describe_target(target: models.Model | None) -> dict:
    """Content type, id, label, URL and country of ``target`` for a log row. A review
    item stands for its target (the log shows what was reviewed, not the queue row)."""
    if target is None:
        return {}
    if isinstance(target, ReviewItem):
        return {
            "target_content_type": target.content_type,
            "target_object_id": target.object_id,
            "target_label": target.target_label,
            "target_url": target.target_url,
            "country": target.country or "",
        }
    adapter = adapter_for(target)
    if adapter is not None:
        label, url, country = adapter.label(target), adapter.url(target), adapter.country(target)
    else:
        get_url = getattr(target, "get_absolute_url", None)
        label, url, country = str(target), get_url() if get_url else "", None
    return {
        "target_content_type": ContentType.objects.get_for_model(target),
        "target_object_id": str(target.pk),
        "target_label": label[:300],
        "target_url": (url or "")[:500],
        "country": country or "",
    }


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    country: str | None = None,
) -> AuditLogEntry:
    """Append one row to the audit log. ``actor`` None means the system did it.

    The caller has already checked permissions; this only records. Raises
    ValidationError for an unknown action.
    """
    fields = describe_target(target)
    if country is not None:
        fields["country"] = country
    entry = AuditLogEntry(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        reason=reason or "",
        before=_json_safe(before),
        after=_json_safe(after),
        **fields,
    )
    entry.full_clean(exclude=["actor", "target_content_type"])
    entry.save()
    return entry


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is shown to the people concerned and kept in the log.")}
        )
    return reason


# --- Roles --------------------------------------------------------------------------------


def _role_snapshot(user) -> dict:
    """The user's role as stored (group membership and scope), for before/after."""
    permissions.forget_roles(user)
    names = set(user.groups.values_list("name", flat=True))
    moderator = MODERATOR_GROUP in names
    return {
        "trusted": TRUSTED_GROUP in names,
        "moderator": moderator,
        "countries": sorted(
            ModeratorScope.objects.filter(user=user).values_list("country", flat=True)
        )
        if moderator
        else [],
    }


def _group(name: str) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    return group


def _state_for_update(user) -> UserModerationState:
    state, _created = UserModerationState.objects.select_for_update().get_or_create(user=user)
    return state


def _in_group(user, name: str) -> bool:
    return user.groups.filter(name=name).exists()


def _trust_refusal(actor, what: str) -> str:
    if permissions.is_moderator(actor):
        return _(
            "Only global moderators can %(what)s: a trusted contributor publishes in every "
            "country without review, and you moderate only %(countries)s."
        ) % {"what": what, "countries": _countries_text(actor)}
    return _("Only global moderators can %(what)s.") % {"what": what}


def _countries_text(user) -> str:
    return ", ".join(sorted(permissions.moderator_countries(user) or ()))


@transaction.atomic
def role_grant_trusted(*, actor, user, reason: str) -> None:
    """Make ``user`` a trusted contributor. Global moderators and admins only (a trusted
    contributor publishes in every country without review). Raises PermissionDenied,
    ValidationError (no reason; already trusted)."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_trust_refusal(actor, _("grant trusted status")))
    reason = _require_reason(reason)
    if _in_group(user, TRUSTED_GROUP):
        raise ValidationError(_("%(user)s is already a trusted contributor.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.add(_group(TRUSTED_GROUP))
    state = _state_for_update(user)
    state.trust_revoked = False
    state.save()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def role_revoke_trusted(*, actor, user, reason: str) -> None:
    """Take trusted status away; automatic promotion will not give it back. Global
    moderators and admins only."""
    if not permissions.can_manage_trusted(actor):
        raise PermissionDenied(_trust_refusal(actor, _("revoke trusted status")))
    reason = _require_reason(reason)
    if not _in_group(user, TRUSTED_GROUP):
        raise ValidationError(_("%(user)s is not a trusted contributor.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.remove(_group(TRUSTED_GROUP))
    state = _state_for_update(user)
    state.trust_revoked = True
    state.save()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def trust_recompute(*, user, accepted_count: int) -> bool:
    """Promote ``user`` to trusted once ``accepted_count`` (their accepted entries, counted
    by the caller) reaches settings.MODERATION_TRUST_AFTER_ACCEPTED. Never demotes; does
    nothing if a moderator revoked their trust. Returns True if it promoted.

    Called by the atlas after each accepted entry; safe to call any number of times.
    """
    threshold = getattr(settings, "MODERATION_TRUST_AFTER_ACCEPTED", 5)
    if threshold <= 0 or accepted_count < threshold or not user.is_active:
        return False
    if _in_group(user, TRUSTED_GROUP):
        return False
    if UserModerationState.objects.filter(user=user, trust_revoked=True).exists():
        return False
    before = _role_snapshot(user)
    user.groups.add(_group(TRUSTED_GROUP))
    audit_record(
        actor=None,
        action=AuditAction.ROLE_CHANGE,
        target=user,
        reason=_("Automatic: %(count)d accepted entries.") % {"count": accepted_count},
        before=before,
        after=_role_snapshot(user),
    )
    return True


def _clean_countries(countries) -> list[str]:
    codes = []
    for code in countries or []:
        code = str(code).strip().upper()
        if code not in dict(all_countries):
            raise ValidationError(
                {"countries": _("“%(code)s” is not a country code.") % {"code": code}}
            )
        codes.append(code)
    return sorted(set(codes))


@transaction.atomic
def role_grant_moderator(
    *, actor, user, countries: list[str] | None, reason: str, everywhere: bool = False
) -> None:
    """Make ``user`` a moderator for ``countries``, or a global moderator with
    ``everywhere=True`` (and no countries); on an existing moderator this replaces the
    scope. Admins only.

    Global is never implied: no countries without ``everywhere`` is refused
    (ValidationError), so an emptied country list cannot widen a scoped moderator to
    every country. To take countries away use ``role_remove_moderator_countries`` (which
    removes the role with the last one) or ``role_revoke_moderator``."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can appoint moderators."))
    reason = _require_reason(reason)
    codes = _clean_countries(countries)
    if everywhere and codes:
        raise ValidationError(
            {
                "countries": _(
                    "Choose either “every country” or some countries, not both: a global "
                    "moderator has no country list."
                )
            }
        )
    if not everywhere and not codes:
        raise ValidationError(
            {
                "countries": _(
                    "Choose the countries this moderator acts on, or “every country” for a "
                    "global moderator. An empty list never means every country."
                )
            }
        )
    before = _role_snapshot(user)
    if before["moderator"] and before["countries"] == codes:
        raise ValidationError(_("%(user)s already has exactly this role.") % {"user": user})
    user.groups.add(_group(MODERATOR_GROUP))
    ModeratorScope.objects.filter(user=user).exclude(country__in=codes).delete()
    existing = set(ModeratorScope.objects.filter(user=user).values_list("country", flat=True))
    ModeratorScope.objects.bulk_create(
        ModeratorScope(user=user, country=code) for code in codes if code not in existing
    )
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


@transaction.atomic
def role_remove_moderator_countries(*, actor, user, countries: list[str], reason: str) -> bool:
    """Take ``countries`` away from a scoped moderator. Removing the last one removes the
    moderator role: a moderator with no countries left moderates nothing (it never
    widens to every country). Admins only. Returns whether ``user`` is still a moderator.

    Raises PermissionDenied; ValidationError (no reason, no or unknown countries, a
    country they do not moderate, a global moderator or someone who is no moderator).
    Nothing changes when it raises; one audit row when it does not."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can change a moderator's countries."))
    reason = _require_reason(reason)
    codes = _clean_countries(countries)
    if not codes:
        raise ValidationError({"countries": _("Choose the countries to take away.")})
    before = _role_snapshot(user)
    if not before["moderator"]:
        raise ValidationError(_("%(user)s is not a moderator.") % {"user": user})
    if not before["countries"]:
        raise ValidationError(
            _(
                "%(user)s moderates every country; to scope them, appoint them for some "
                "countries, or remove the role."
            )
            % {"user": user}
        )
    unknown = sorted(set(codes) - set(before["countries"]))
    if unknown:
        raise ValidationError(
            {
                "countries": _("%(user)s does not moderate %(codes)s.")
                % {"user": user, "codes": ", ".join(unknown)}
            }
        )
    ModeratorScope.objects.filter(user=user, country__in=codes).delete()
    still_moderator = ModeratorScope.objects.filter(user=user).exists()
    if not still_moderator:
        user.groups.remove(_group(MODERATOR_GROUP))
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip
    return still_moderator


@transaction.atomic
def role_revoke_moderator(*, actor, user, reason: str) -> None:
    """Remove the moderator role and any country scope. Admins only."""
    if not permissions.can_manage_moderators(actor):
        raise PermissionDenied(_("Only administrators can remove moderators."))
    reason = _require_reason(reason)
    if not _in_group(user, MODERATOR_GROUP):
        raise ValidationError(_("%(user)s is not a moderator.") % {"user": user})
    before = _role_snapshot(user)
    user.groups.remove(_group(MODERATOR_GROUP))
    ModeratorScope.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.ROLE_CHANGE, target=user, reason=reason,
                 before=before, after=_role_snapshot(user))  # fmt: skip


# --- User-level measures --------------------------------------------------------------------


def _check_measure(actor, user) -> None:
    if not permissions.can_set_user_measures(actor):
        if permissions.is_moderator(actor):
            raise PermissionDenied(
                _(
                    "Only global moderators can pre-moderate or shadow-hide a user: the "
                    "measure covers everything they write, in every country, and you "
                    "moderate only %(countries)s."
                )
                % {"countries": _countries_text(actor)}
            )
        raise PermissionDenied(_("Only moderators can change a user's moderation measures."))
    if permissions.is_moderator(user):
        raise ValidationError(
            _("%(user)s is a moderator; remove the role before applying measures.") % {"user": user}
        )


@transaction.atomic
def user_set_premoderation(*, actor, user, enabled: bool, reason: str) -> UserModerationState:
    """Put ``user``'s new annotations under (or take them out of) pre-moderation. Global
    moderators and admins only."""
    _check_measure(actor, user)
    reason = _require_reason(reason)
    state = _state_for_update(user)
    if state.premoderate_annotations == enabled:
        raise ValidationError(_("Nothing to change."))
    before = {"premoderate_annotations": state.premoderate_annotations}
    state.premoderate_annotations = enabled
    state.save()
    audit_record(actor=actor, action=AuditAction.PREMODERATION, target=user, reason=reason,
                 before=before, after={"premoderate_annotations": enabled})  # fmt: skip
    return state


@transaction.atomic
def user_set_shadow_hidden(*, actor, user, hidden: bool, reason: str) -> UserModerationState:
    """Shadow-hide ``user`` (their content is seen only by them and moderators) or undo it.
    Global moderators and admins only."""
    _check_measure(actor, user)
    reason = _require_reason(reason)
    state = _state_for_update(user)
    if state.shadow_hidden == hidden:
        raise ValidationError(_("Nothing to change."))
    before = {"shadow_hidden": state.shadow_hidden}
    state.shadow_hidden = hidden
    state.save()
    audit_record(actor=actor, action=AuditAction.SHADOW_HIDE, target=user, reason=reason,
                 before=before, after={"shadow_hidden": hidden})  # fmt: skip
    transaction.on_commit(lambda: _tell_apps_shadow_hidden_changed(user.pk))
    return state


def _tell_apps_shadow_hidden_changed(user_id: int) -> None:
    """Apps that cache public aggregates (the atlas map) drop them: a shadow-hidden
    author's content leaves (or rejoins) them. Hook: ``AppConfig.on_shadow_hidden_changed``."""
    from django.apps import apps

    for config in apps.get_app_configs():
        hook = getattr(config, "on_shadow_hidden_changed", None)
        if hook is not None:
            try:
                hook(user_id)
            except Exception:  # noqa: BLE001 - the measure is committed; a cache is secondary
                logger.exception("%s.on_shadow_hidden_changed failed", config.name)


# --- Enqueueing ---------------------------------------------------------------------------


def enqueue_on_commit(task, *args) -> None:
    """Send ``task`` after the transaction commits. A broker outage is logged, never
    raised: the write the user made stands, and the periodic sweep sends it later."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001 - broker down must not fail the user's write
            logger.exception("Could not enqueue %s%r; the sweep will retry.", task.name, args)

    transaction.on_commit(send)


# --- Hidden content (for target types without their own visibility field) -----------------


def content_hide(
    *, target: models.Model, actor, hidden_reason: str = HiddenReason.MODERATOR
) -> None:
    """Hide ``target`` from public lists. For adapters; the calling action audits."""
    content_type = ContentType.objects.get_for_model(target)
    HiddenContent.objects.update_or_create(
        content_type=content_type,
        object_id=str(target.pk),
        defaults={
            "hidden_reason": hidden_reason,
            "hidden_by": actor if actor is not None and actor.is_authenticated else None,
        },
    )


def content_unhide(*, target: models.Model) -> None:
    """Undo ``content_hide``; a no-op for visible content. For adapters."""
    HiddenContent.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=str(target.pk)
    ).delete()


# --- Review queue -----------------------------------------------------------------------------

DEFAULT_TYPE_PRIORITY = {
    ReviewItemType.SUBMITTED_ENTRY: 2.0,
    ReviewItemType.POST_REVIEW_EDIT: 1.0,
    ReviewItemType.SUGGESTED_EDIT: 1.0,
    ReviewItemType.UPLOADED_SOURCE: 1.0,
    ReviewItemType.PROPOSED_VERSION: 1.0,
    ReviewItemType.ORPHANED_ANNOTATION: 0.5,
    ReviewItemType.PENDING_ANNOTATION: 1.0,
    ReviewItemType.FLAG: 0.0,  # flags bring their own scores
}


def type_priority(item_type: str) -> float:
    configured = getattr(settings, "MODERATION_TYPE_PRIORITY", {})
    return float(configured.get(item_type, DEFAULT_TYPE_PRIORITY.get(item_type, 1.0)))


def _open_item_for(item_type: str, target: models.Model):
    return ReviewItem.objects.filter(
        item_type=item_type,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        status=ReviewStatus.OPEN,
    )


def _target_fields(adapter, target: models.Model) -> dict:
    """What a review item copies from its target so the queue needs no target to list it."""
    author = adapter.author(target)
    return {
        "target_label": adapter.label(target)[:300],
        "target_url": (adapter.url(target) or "")[:500],
        "author_id": author.pk if author is not None and author.pk else None,
        "country": (adapter.country(target) or "").upper() or None,
        "category": adapter.category(target) or None,
    }


def _refresh_item(item: ReviewItem, fields: dict) -> None:
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, fields[name])
    if changed:
        item.save(update_fields=changed)


@transaction.atomic
def review_item_open(*, item_type: str, target: models.Model, summary: str = "") -> ReviewItem:
    """Put ``target`` in the queue as ``item_type``, or return its already-open item of
    that type (at most one per type and target; a constraint backs this up).

    A new item records the target's version and snapshot (``adapter.version`` and
    ``adapter.snapshot``): what the moderator reviews, and so what a decision applies to.
    An item already open keeps them (the queue shows what changed since), but its label,
    link, country and category follow the target.

    Called by other apps' services after a write that needs review (submission, edit of a
    published entry, orphaned annotation) and by ``flag_create``. No permission check:
    the caller already allowed the write. Raises ValueError if ``target``'s type has no
    adapter registered.
    """
    adapter = adapter_for(target)
    if adapter is None:
        raise ValueError(f"No moderation adapter is registered for {type(target).__name__}.")
    fields = _target_fields(adapter, target)
    existing = _open_item_for(item_type, target).first()
    if existing is not None:
        _refresh_item(existing, fields)
        return existing
    version = adapter.version(target)
    item = ReviewItem(
        item_type=item_type,
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        summary=summary,
        priority=type_priority(item_type),
        target_version=version,
        target_snapshot=_json_safe(adapter.snapshot(target)) if version is not None else None,
        **fields,
    )
    item.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Opened concurrently by another request: the partial unique constraint kept one.
        return _open_item_for(item_type, target).get()
    return item


@transaction.atomic
def review_items_refresh(*, targets) -> int:
    """The content changed (its author edited or resubmitted it): the open items about
    ``targets`` take its new label, link, country and category, so the queue lists it
    as it now reads and the right (country) moderators see it. What the items record as
    reviewed (version, snapshot) stays: the queue shows the change against it, and a
    decision made on the old version is refused. Returns how many items changed.

    No permission check: called by the content's own services, *after* their write
    committed (``transaction.on_commit``): it locks the items, and a queue decision
    locks an item before its content, so calling it while holding the content's row
    lock could deadlock with one."""
    by_type: dict[int, dict[str, models.Model]] = {}
    for target in targets:
        content_type = ContentType.objects.get_for_model(target)
        by_type.setdefault(content_type.pk, {})[str(target.pk)] = target
    refreshed = 0
    for content_type_id, objects in by_type.items():
        items = ReviewItem.objects.select_for_update().filter(
            content_type_id=content_type_id,
            object_id__in=list(objects),
            status=ReviewStatus.OPEN,
        )
        for item in items:
            target = objects[item.object_id]
            adapter = adapter_for(target)
            if adapter is None:
                continue
            before = (item.target_label, item.target_url, item.country, item.category)
            _refresh_item(item, _target_fields(adapter, target))
            refreshed += before != (
                item.target_label, item.target_url, item.country, item.category,
            )  # fmt: skip
    return refreshed


def _items_follow_system_change(
    adapter, target: models.Model, version_before, *, locked_item: ReviewItem
) -> None:
    """Moderation itself moved the target's version without changing what is reviewed
    (flags hid it pending review): open items that were up to date follow the new
    version, so a moderator's decision is not refused for it. Items already behind keep
    what they recorded (their moderator has not seen the author's change yet).

    ``locked_item`` (the flag item, locked by the caller) follows at once; the target's
    other items after commit, in their own transaction: locking them here, after the
    target, would take locks in the opposite order to a queue decision (item, then
    target) and could deadlock with one."""
    version_after = adapter.version(target)
    if version_before is None or version_after == version_before:
        return
    snapshot = _json_safe(adapter.snapshot(target))
    if locked_item.target_version == version_before:
        locked_item.target_version = version_after
        locked_item.target_snapshot = snapshot
        locked_item.save(update_fields=["target_version", "target_snapshot"])
    others = ReviewItem.objects.filter(
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        status=ReviewStatus.OPEN,
        target_version=version_before,
    ).exclude(pk=locked_item.pk)
    transaction.on_commit(
        lambda: others.update(target_version=version_after, target_snapshot=snapshot)
    )


@transaction.atomic
def review_items_settle(
    *,
    target: models.Model,
    item_types,
    actor,
    decision: str,
    reason: str = "",
    notify: bool = True,
) -> list[ReviewItem]:
    """The content was decided outside the queue (a moderator published an entry on its
    own page, the author accepted a suggested edit): close its open items of
    ``item_types`` as ``decision``, with one audit row each, and tell the author as a
    queue decision would (never the actor themselves; nobody with ``notify=False``, for
    callers that send their own notice).

    No permission check: the calling service already allowed the decision. A claim by
    another moderator does not stop it (the content is decided; the claim is moot), and
    the audit row says the item was settled outside the queue. Returns the closed items.
    """
    content_type = ContentType.objects.get_for_model(target)
    items = list(
        ReviewItem.objects.select_for_update()
        .filter(
            content_type=content_type,
            object_id=str(target.pk),
            item_type__in=list(item_types),
            status=ReviewStatus.OPEN,
        )
        .order_by("pk")
    )
    reason = (reason or "").strip() or _("Decided on the content's own page.")
    adapter = adapter_for(target)
    state = adapter.state(target) if adapter is not None else {}
    for item in items:
        item.status = ReviewStatus.DECIDED
        item.decision = decision
        item.reason = reason
        item.decided_by = actor if actor is not None and actor.is_authenticated else None
        item.decided_at = timezone.now()
        item.save(update_fields=["status", "decision", "reason", "decided_by", "decided_at"])
        audit_record(
            actor=actor,
            action=AuditAction.DECISION,
            target=item,
            reason=reason,
            before={"review_item": item.pk, "status": "open"},
            after={
                "review_item": item.pk,
                "status": "decided",
                "decision": decision,
                "target": state,
                "settled_outside_queue": True,
            },
        )
        if notify and item.author_id is not None and (actor is None or item.author_id != actor.pk):
            notice_create(recipient=item.author, item=item, decision=decision, reason=reason)
    return items


@transaction.atomic
def review_items_close_as_private(*, target: models.Model, reason: str) -> list[ReviewItem]:
    """``target`` became visible to its author alone (an annotation made private): no
    moderator may read it any more, so its open items of every type close now, as
    "hide" by the system (it is hidden from everyone else), with one audit row each and
    no notice. What the queue copied of the content (label, summary, snapshot) is
    replaced by the adapter's label, which for private content names no text, so neither
    the queue nor the log keeps it. Open flags on it are resolved as agreed: what they
    asked for (the content out of public view) happened. No permission check: the
    author's own service calls this. Returns the closed items."""
    content_type = ContentType.objects.get_for_model(target)
    items = list(
        ReviewItem.objects.select_for_update()
        .filter(content_type=content_type, object_id=str(target.pk), status=ReviewStatus.OPEN)
        .order_by("pk")
    )
    adapter = adapter_for(target)
    label = (adapter.label(target) if adapter is not None else "")[:300]
    for item in items:
        item.status = ReviewStatus.DECIDED
        item.decision = Decision.HIDE
        item.reason = reason
        item.decided_by = None
        item.decided_at = timezone.now()
        item.target_label = label
        item.summary = ""
        item.target_snapshot = None
        item.claimed_by = None
        item.claimed_at = None
        item.save()
        flags = {}
        if item.item_type == ReviewItemType.FLAG:
            flags = flags_resolve(item=item, agreed=True)
        audit_record(
            actor=None,
            action=AuditAction.DECISION,
            target=item,
            reason=reason,
            before={"review_item": item.pk, "status": "open"},
            after={
                "review_item": item.pk,
                "status": "decided",
                "decision": Decision.HIDE,
                "made_private": True,
                **flags,
            },
        )
    return items


def _check_can_work(actor, item: ReviewItem) -> None:
    if not permissions.can_view_queue(actor):
        raise PermissionDenied(_("Only moderators can work the review queue."))
    if not permissions.can_work_item(actor, item):
        raise PermissionDenied(
            _("This item is outside the countries you moderate.")
            if item.country
            else _("Only global moderators can act on items without a country.")
        )


def _holder_name(item: ReviewItem) -> str:
    return item.claimed_by.get_username() if item.claimed_by else _("someone")


def _decided_conflict(item: ReviewItem) -> ModerationConflict:
    return ModerationConflict(
        _("This item was already decided (%(decision)s) by %(user)s at %(time)s.")
        % {
            "decision": item.get_decision_display(),
            "user": item.decided_by.get_username() if item.decided_by else _("someone"),
            "time": timezone.localtime(item.decided_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


def _claimed_conflict(item: ReviewItem) -> ModerationConflict:
    return ModerationConflict(
        _("%(user)s claimed this item at %(time)s; it is theirs until they decide or release it.")
        % {
            "user": _holder_name(item),
            "time": timezone.localtime(item.claimed_at).strftime("%Y-%m-%d %H:%M"),
        }
    )


@transaction.atomic
def review_item_claim(*, actor, item: ReviewItem) -> ReviewItem:
    """Claim ``item`` for ``actor`` so other moderators leave it alone.

    Atomic: one conditional UPDATE (``WHERE claimed_by IS NULL AND status = 'open'``), so
    of two moderators claiming at once exactly one wins. Claiming an item one already
    holds returns it unchanged. Raises PermissionDenied (not a moderator, out of scope)
    and ModerationConflict (held by someone else, or already decided).
    """
    _check_can_work(actor, item)
    claimed = ReviewItem.objects.filter(
        pk=item.pk, status=ReviewStatus.OPEN, claimed_by__isnull=True
    ).update(claimed_by=actor, claimed_at=timezone.now())
    item.refresh_from_db()
    if not claimed:
        if item.status != ReviewStatus.OPEN:
            raise _decided_conflict(item)
        if item.claimed_by_id == actor.pk:
            return item
        raise _claimed_conflict(item)
    audit_record(actor=actor, action=AuditAction.CLAIM, target=item,
                 after={"review_item": item.pk, "claimed_by": actor.get_username()})  # fmt: skip
    return item


@transaction.atomic
def review_item_release(*, actor, item: ReviewItem) -> ReviewItem:
    """Give a claimed item back to the queue. The holder may release it; an admin may
    release anyone's (a moderator who left for the day)."""
    _check_can_work(actor, item)
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.OPEN:
        raise _decided_conflict(item)
    if item.claimed_by_id is None:
        raise ModerationConflict(_("Nobody has claimed this item."))
    if item.claimed_by_id != actor.pk and not permissions.is_admin(actor):
        raise _claimed_conflict(item)
    before = {"review_item": item.pk, "claimed_by": _holder_name(item)}
    item.claimed_by = None
    item.claimed_at = None
    item.save(update_fields=["claimed_by", "claimed_at"])
    audit_record(actor=actor, action=AuditAction.RELEASE, target=item, before=before,
                 after={"review_item": item.pk, "claimed_by": None})  # fmt: skip
    return item


# --- Notices ----------------------------------------------------------------------------------


def notice_create(
    *,
    recipient,
    item: ReviewItem | None,
    decision: str,
    reason: str,
    target_label: str = "",
    target_url: str = "",
) -> ModerationNotice:
    """Tell ``recipient`` in the app, and by e-mail after commit. Internal: called by the
    decision actions, and by other apps' moderator actions that decide without a review
    item (the atlas's merge: ``item`` None, with the label and link given)."""
    notice = ModerationNotice.objects.create(
        recipient=recipient,
        review_item=item,
        decision=decision,
        reason=reason,
        target_label=(target_label or (item.target_label if item is not None else ""))[:300],
        target_url=(target_url or (item.target_url if item is not None else ""))[:500],
    )
    from .tasks import send_notice_email

    enqueue_on_commit(send_notice_email, notice.pk)
    return notice


def _absolute(path: str) -> str:
    """An absolute link on SITE_URL (empty stays empty)."""
    from apps.common.site import absolute_url

    return absolute_url(path) if path else path


def notice_email_subject(notice: ModerationNotice) -> str:
    """Plain text on one line; the target's title quoted and cut short."""
    from apps.common.email import quoted, subject_line

    return subject_line(
        _("[%(site)s] Moderation decision: %(decision)s — %(label)s")
        % {
            "site": settings.SITE_NAME,
            "decision": notice.get_decision_display(),
            "label": quoted(notice.target_label, limit=60),
        }
    )


def notice_send_email(*, notice_id: int) -> str:
    """E-mail one notice to its recipient, at most once. Returns what happened ("sent",
    "not wanted", "already handled", "missing")."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    with transaction.atomic():
        notice = (
            ModerationNotice.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            return "missing"
        if notice.email_handled_at is not None:
            return "already handled"
        recipient = notice.recipient
        outcome = "not wanted"
        if recipient.email and recipient.is_active and recipient.email_notifications:
            context = {
                "notice": notice,
                "recipient": recipient,
                "site_name": settings.SITE_NAME,
                "link": _absolute(notice.target_url),
                "notices_link": _absolute(reverse("moderation:notices")),
            }
            send_mail(
                subject=notice_email_subject(notice),
                message=render_to_string("moderation/email/notice_body.txt", context),
                from_email=None,
                recipient_list=[recipient.email],
            )
            outcome = "sent"
        notice.email_handled_at = timezone.now()
        notice.save(update_fields=["email_handled_at"])
    return outcome


def notices_sweep_unsent(*, older_than_minutes: int = 10) -> list[int]:
    """Re-send notices whose e-mail job was lost (broker down). Returns their ids."""
    from .tasks import send_notice_email

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    ids = list(
        ModerationNotice.objects.filter(email_handled_at__isnull=True, created__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for notice_id in ids:
        send_notice_email.delay(notice_id)
    return ids


@transaction.atomic
def notices_mark_read(*, user, notice_ids: list[int] | None = None) -> int:
    """Mark ``user``'s notices (all, or the given ones) read. Returns how many changed."""
    qs = ModerationNotice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        qs = qs.filter(pk__in=notice_ids)
    viewer_cache.bump_viewers_on_commit([user.pk])
    return qs.update(read_at=timezone.now())


# --- Flags ------------------------------------------------------------------------------------


def flagger_weight(user) -> float:
    """How much one flag by ``user`` counts, after Discourse's reviewable scores: 1, plus 1
    for trusted contributors, plus an accuracy bonus once they have had more than
    MODERATION_FLAG_ACCURACY_MIN_FLAGS flags decided. Accuracy above 60% agreed raises
    the weight (up to +log4(n)), below lowers it; never under 0.1, so a habitual false
    flagger is nearly ignored but still heard."""
    weight = 1.0 + (1.0 if permissions.is_trusted(user) else 0.0)
    counts = Flag.objects.filter(
        flagger=user, status__in=[FlagStatus.AGREED, FlagStatus.REJECTED]
    ).aggregate(
        agreed=models.Count("pk", filter=models.Q(status=FlagStatus.AGREED)),
        total=models.Count("pk"),
    )
    total = counts["total"]
    if total > getattr(settings, "MODERATION_FLAG_ACCURACY_MIN_FLAGS", 5):
        import math

        axis = 0.6
        accuracy = counts["agreed"] / total
        if accuracy >= axis:
            direction = (accuracy - axis) / (1 - axis)
        else:
            direction = -(axis - accuracy) / axis
        weight += direction * math.log(total, 4)
    return round(max(weight, 0.1), 2)


def flag_hide_score() -> float:
    return float(getattr(settings, "MODERATION_FLAG_HIDE_SCORE", 3.0))


def _flag_summary(item: ReviewItem) -> str:
    counts = (
        Flag.objects.filter(review_item=item, status=FlagStatus.OPEN)
        .values("reason")
        .annotate(n=models.Count("pk"))
        .order_by("-n", "reason")
    )
    reasons = ", ".join(f"{FlagReason(row['reason']).label} ×{row['n']}" for row in counts)
    total = sum(row["n"] for row in counts)
    return _("%(count)d open flag(s): %(reasons)s") % {"count": total, "reasons": reasons}


@transaction.atomic
def flag_create(*, flagger, target: models.Model, reason: str, text: str = "") -> Flag:
    """``flagger`` reports ``target``. Joins (or opens) the target's flag review item,
    whose priority is the sum of its open flags' scores; when that sum first reaches
    MODERATION_FLAG_HIDE_SCORE the target is hidden pending review (audited, actor None).

    Raises PermissionDenied (not signed in) and ValidationError (type not flaggable,
    own content, an open flag by the same user on the same target, bad reason/text).
    """
    if not permissions.can_flag(flagger):
        raise PermissionDenied(_("Sign in to flag content."))
    adapter = adapter_for(target)
    if adapter is None or not adapter.flaggable:
        raise ValidationError({"target": _("This kind of content cannot be flagged.")})
    if not adapter.is_visible_to(target, flagger):
        raise ValidationError({"target": _("This content does not exist.")})
    author = adapter.author(target)
    if author is not None and author.pk == flagger.pk:
        raise ValidationError({"target": _("You cannot flag your own content.")})
    text = (text or "").strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError({"text": _("Say what is wrong when the reason is “Other”.")})
    content_type = ContentType.objects.get_for_model(target)
    if Flag.objects.filter(
        content_type=content_type,
        object_id=str(target.pk),
        flagger=flagger,
        status=FlagStatus.OPEN,
    ).exists():
        raise ValidationError(
            {"target": _("You have already flagged this; a moderator will look at it.")}
        )
    flag = Flag(
        content_type=content_type,
        object_id=str(target.pk),
        flagger=flagger,
        reason=reason,
        text=text,
        score=flagger_weight(flagger),
    )
    flag.full_clean(exclude=["review_item"], validate_constraints=False)

    item = review_item_open(item_type=ReviewItemType.FLAG, target=target)
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    flag.review_item = item
    try:
        with transaction.atomic():
            flag.save()
    except IntegrityError:
        raise ValidationError(
            {"target": _("You have already flagged this; a moderator will look at it.")}
        ) from None

    previous = item.priority
    item.priority = round(
        Flag.objects.filter(review_item=item, status=FlagStatus.OPEN).aggregate(
            total=models.Sum("score")
        )["total"]
        or 0.0,
        2,
    )
    item.summary = _flag_summary(item)
    item.save(update_fields=["priority", "summary"])

    threshold = flag_hide_score()
    if previous < threshold <= item.priority:
        before = adapter.state(target)
        version_before = adapter.version(target)
        adapter.hide_pending_review(target)
        _items_follow_system_change(adapter, target, version_before, locked_item=item)
        audit_record(
            actor=None,
            action=AuditAction.HIDE,
            target=item,
            reason=_("Flags reached a score of %(score)s (threshold %(threshold)s).")
            % {"score": item.priority, "threshold": threshold},
            before={"review_item": item.pk, "target": before},
            after={"review_item": item.pk, "target": adapter.state(target)},
        )
    return flag


def flags_resolve(*, item: ReviewItem, agreed: bool) -> dict:
    """Close the open flags of a decided flag item as agreed or rejected. Internal:
    called by the decision action inside its transaction; returns counts for its audit
    row."""
    status = FlagStatus.AGREED if agreed else FlagStatus.REJECTED
    count = Flag.objects.filter(review_item=item, status=FlagStatus.OPEN).update(
        status=status, resolved_at=timezone.now()
    )
    return {"flags": {"resolved_as": str(status), "count": count}}
