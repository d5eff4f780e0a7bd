"""How the moderation console acts on sources and their versions (apps/moderation/
registry.py). Registered in SourcesConfig.ready().

- ``source`` (Source): an upload that created a source, or a flagged source. Publish and
  restore show it; reject, hide and spam hide it everywhere (lists, reader, API, search,
  activity, feeds) except from its stewards, through moderation's ``HiddenContent``.
- ``source_version`` (Document): a proposed version (``proposed_version`` items), or a
  version a maintainer who is not trusted published directly (``uploaded_source`` items on
  the version). Publish accepts a proposal (and keeps a published version); reject, hide
  and spam reject a proposal or withdraw a published version. The decisions go through
  the sources services (``settle_queue=False``), so the checks, the audit row of the
  version change and the re-anchoring are the same as on the source's page.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.moderation.models import HiddenContent, HiddenReason
from apps.moderation.registry import TargetAdapter, register_target
from apps.moderation.services import content_hide, content_unhide

from . import permissions, selectors, services
from .models import Document, DocumentStatus, Source


class SourceAdapter(TargetAdapter):
    model = Source
    decisions = frozenset({"publish", "reject", "hide", "restore", "spam"})

    def label(self, obj) -> str:
        return obj.title[:300]

    def author(self, obj):
        return obj.added_by

    def state(self, obj) -> dict:
        hidden = HiddenContent.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).first()
        return {
            "hidden": hidden is not None,
            "hidden_reason": hidden.hidden_reason if hidden else None,
        }

    def is_visible_to(self, obj, user) -> bool:
        return permissions.can_see_source(user, obj, hidden=selectors.source_withheld(obj))

    def _hide(self, obj, actor, hidden_reason=HiddenReason.MODERATOR) -> None:
        content_hide(target=obj, actor=actor, hidden_reason=hidden_reason)

    # Accepting an upload, or keeping a flagged source, makes it visible again.
    def publish(self, obj, *, actor, reason):
        content_unhide(target=obj)

    def restore(self, obj, *, actor, reason):
        content_unhide(target=obj)

    def reject(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def spam(self, obj, *, actor, reason):
        self._hide(obj, actor)

    def hide_pending_review(self, obj):
        self._hide(obj, None, HiddenReason.PENDING_REVIEW)


class DocumentAdapter(TargetAdapter):
    """A version of a source. Not flaggable (flag the source)."""

    model = Document
    decisions = frozenset({"publish", "reject", "hide", "spam"})
    flaggable = False

    def get(self, object_id):
        try:
            return (
                Document.objects.select_related("source", "created_by", "base_document")
                .defer("text", "front_matter")
                .filter(pk=object_id)
                .first()
            )
        except (ValueError, TypeError, ValidationError):
            return None

    def get_many(self, object_ids) -> dict:
        try:
            rows = (
                Document.objects.select_related("source", "base_document")
                .defer("text", "front_matter", "source__abstract", "base_document__text")
                .filter(pk__in=list(object_ids))
            )
            return {str(obj.pk): obj for obj in rows}
        except (ValueError, TypeError, ValidationError):
            return {}

    def label(self, obj) -> str:
        title = obj.source.title
        if obj.status == DocumentStatus.PROPOSED or obj.is_proposal:
            label = _("%(title)s: proposed version %(version)s")
        else:
            label = _("%(title)s: version %(version)s")
        return (label % {"title": title, "version": obj.version or "?"})[:300]

    def url(self, obj) -> str:
        if obj.version is None:
            return ""
        if obj.is_proposal:
            return services.diff_url(obj)
        return obj.get_absolute_url()

    def author(self, obj):
        return obj.created_by

    def version(self, obj) -> int | None:
        """A version's text never changes: its number names what was reviewed."""
        return obj.version

    def snapshot(self, obj) -> dict:
        return {
            "source": obj.source.slug,
            "version": obj.version,
            "status": str(obj.status),
            "proposed_against": obj.base_document.version if obj.base_document_id else None,
            "diff_url": services.diff_url(obj) if obj.version else "",
        }

    def state(self, obj) -> dict:
        return services.version_state(obj)

    def is_visible_to(self, obj, user) -> bool:
        return permissions.can_read_document(user, obj)

    def _refresh(self, obj) -> Document:
        obj.refresh_from_db(fields=["status"])
        return obj

    def publish(self, obj, *, actor, reason):
        obj = self._refresh(obj)
        if obj.status == DocumentStatus.PROPOSED:
            services.document_accept(actor=actor, document=obj, reason=reason, settle_queue=False)
        elif obj.status != DocumentStatus.READY:
            raise ValidationError(
                _("Version %(version)s is %(status)s: it cannot be published from the queue.")
                % {"version": obj.version, "status": obj.get_status_display().lower()}
            )

    def _take_back(self, obj, *, actor, reason):
        obj = self._refresh(obj)
        if obj.status == DocumentStatus.PROPOSED:
            services.document_reject(actor=actor, document=obj, reason=reason, settle_queue=False)
        elif obj.status == DocumentStatus.READY:
            services.document_withdraw(actor=actor, document=obj, reason=reason, settle_queue=False)

    def reject(self, obj, *, actor, reason):
        self._take_back(obj, actor=actor, reason=reason)

    def hide(self, obj, *, actor, reason):
        self._take_back(obj, actor=actor, reason=reason)

    def spam(self, obj, *, actor, reason):
        self._take_back(obj, actor=actor, reason=reason)

    def hide_pending_review(self, obj):  # not flaggable: never called
        raise ValidationError(_("Versions cannot be flagged; flag the source."))


def register() -> None:
    register_target("source", SourceAdapter())
    register_target("source_version", DocumentAdapter())
