from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "apps.moderation"

    def ready(self) -> None:
        from .adapters import SourceAdapter
        from .registry import register_target

        register_target("source", SourceAdapter())

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
