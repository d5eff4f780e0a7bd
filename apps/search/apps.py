from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "apps.search"

    def ready(self) -> None:
        from apps.common import http_cache

        from . import models

        for model in (
            models.SourceSearchIndex,
            models.PassageSearchIndex,
            models.AnnotationSearchIndex,
            models.ExampleSearchIndex,
            models.SearchTerm,
        ):
            http_cache.declare(model)

        from apps.notifications.registry import register_subject

        # An in-app alert (saved_searches.saved_searches_send_in_app) shows while its
        # saved search exists, to its owner only.
        register_subject(
            models.SavedSearch, lambda user: models.SavedSearch.objects.filter(user_id=user.pk)
        )

    def reader_extension(self, request, *, source, document):
        """A passage opened from a search hit (``?highlight=…#p-…``) gets its terms
        marked by a small script; no queries."""
        from .providers import HIGHLIGHT_PARAM

        if not request.GET.get(HIGHLIGHT_PARAM):
            return {}
        return {"templates": {"body_end": ["search/_reader_highlight.html"]}}
