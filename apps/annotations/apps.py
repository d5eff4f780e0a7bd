from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnotationsConfig(AppConfig):
    name = "apps.annotations"
    verbose_name = _("Annotations")

    def ready(self) -> None:
        from .moderation import register

        register()

    def on_document_ready(self, document_id: int) -> None:
        """Called by the sources app (after commit) when a version becomes ready:
        re-anchor the source's annotations onto it in the background."""
        from .services import enqueue_reanchor

        enqueue_reanchor(document_id)

    def reader_extension(self, request, *, source, document, passages) -> dict:
        """Highlights, the Annotate button and form, threads, counts (reader page)."""
        from .reader import reader_extension

        return reader_extension(request, source=source, document=document, passages=passages)
