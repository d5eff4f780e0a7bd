from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "apps.moderation"

    def ready(self) -> None:
        from .adapters import SourceAdapter
        from .registry import register_target

        register_target("source", SourceAdapter())

        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed

        from . import signals

        user_logged_in.connect(signals.warm_nav_flag, dispatch_uid="moderation-warm-nav")
        m2m_changed.connect(
            signals.groups_changed,
            sender=get_user_model().groups.through,
            dispatch_uid="moderation-groups-changed",
        )

    def on_document_ready(self, document_id: int) -> None:
        """Sources hook: a contributor's upload goes into the review queue."""
        import logging

        from .services import review_uploaded_document

        try:
            review_uploaded_document(document_id=document_id)
        except Exception:  # noqa: BLE001 - the import committed; a queue hiccup must not undo it
            logging.getLogger(__name__).exception(
                "Could not queue document %s for review", document_id
            )
