"""Pages for a source's translations (ADR 0019): the side-by-side text of the reader
(``?translation=<language>``, the reader view itself is in views.py), a steward's upload
of a translation and the page where stewards correct an alignment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.common import http_cache
from apps.common.client_ip import client_ip
from apps.common.forms import attach_errors
from apps.common.throttles import RateLimited, throttled_response

from . import permissions, reader_parallel, selectors, services, translation_selectors
from .forms import AlignmentEditForm, TranslationUploadForm
from .languages import language_name


def translation_asked(request, translations):
    """The translation ``?translation=<language>`` names, None without the parameter;
    Http404 for a language the source has no readable translation in."""
    asked = request.GET.get("translation")
    if asked is None:
        return None
    for translation in translations:
        if translation.language == asked.strip().lower():
            return translation
    raise Http404("No such translation.")


def parallel_text(*, translation, active: str) -> str:
    """The side-by-side rows (reader_parallel.py): the same for every viewer, cached as
    the single text is, by translation, aligned version, active side and language."""
    # views imports this module; the reader's dependencies are declared there, once.
    from .views import READER_TEXT_DEPENDS_ON

    return mark_safe(  # noqa: S308 - reader_parallel.render escapes every value
        http_cache.fragment(
            "reader-parallel",
            translation.pk,
            translation.document_id,
            active,
            get_language(),
            depends_on=READER_TEXT_DEPENDS_ON,
            render=lambda: reader_parallel.render(
                translation=translation,
                rows=translation_selectors.aligned_rows(translation=translation),
                active=active,
            ),
        )
    )


def _steward_source(request, slug: str):
    source = selectors.source_get(slug=slug, viewer=request.user)
    if not permissions.can_steward(request.user, source):
        raise PermissionDenied(
            _("Only this source's maintainers and moderators can add or align translations.")
        )
    return source


@login_required
@require_http_methods(["GET", "POST"])
def translation_add(request, slug: str):
    """A steward uploads a translation (or a new version of one): imported, then aligned."""
    source = _steward_source(request, slug)
    form = TranslationUploadForm(request.POST or None, request.FILES or None)
    throttled = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        values = {k: v for k, v in form.cleaned_data.items() if k != "file"}
        try:
            translation = services.translation_create(
                actor=request.user,
                original_source=source,
                data=upload.content_bytes,
                filename=upload.name,
                client_ip=client_ip(request),
                **values,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            document = translation.source.documents.order_by("-pk").first()
            return redirect("sources:import_status", document_id=document.pk)
    status = 400 if request.method == "POST" and throttled is None else 200
    response = render(
        request, "sources/translation_add.html", {"form": form, "source": source}, status=status
    )
    return throttled_response(response, throttled)


@login_required
@require_http_methods(["GET", "POST"])
def alignment_edit(request, slug: str, language: str):
    """The alignment of one translation as a table of rows, with merge / split / move
    forms per row; each correction is logged (services.alignment_edit)."""
    source = _steward_source(request, slug)
    translation = translation_selectors.translation_get(source=source, language=language)
    form = AlignmentEditForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                services.alignment_edit(actor=request.user, translation=translation, **values)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("The alignment was corrected."))
                row = form.cleaned_data["order"] + 1
                return redirect(f"{request.path}#row-{row}")
        status = 400
    rows = translation_selectors.aligned_rows(translation=translation)
    context = {
        "source": source,
        "translation": translation,
        "language_name": language_name(translation.language),
        "original_language_name": language_name(source.language),
        "rows": rows,
        "last_order": len(rows) - 1,
        "form": form,
    }
    return render(request, "sources/alignment_edit.html", context, status=status)
