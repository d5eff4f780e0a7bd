from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.common import page_cache
from apps.common.page_cache import anonymous_page_cache
from apps.common.site import absolute_url
from apps.common.viewer_cache import viewer_page_cache
from apps.moderation.throttles import RateLimited, client_ip, throttled_response

from . import citation, reader_extensions, selectors, services
from .forms import NewVersionForm, SourceFilterForm, SourceUploadForm
from .models import SourceType


@anonymous_page_cache
def source_list(request):
    form = SourceFilterForm(request.GET or None)
    sources = selectors.source_list()
    if form.is_valid():
        sources = selectors.source_list(
            query=form.cleaned_data.get("q") or "",
            source_type=form.cleaned_data.get("type") or "",
            year=form.cleaned_data.get("year"),
        )
    page = Paginator(sources, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sources/source_list.html",
        {"form": form, "page": page, "source_types": SourceType.choices},
    )


@viewer_page_cache
@anonymous_page_cache
def reader(request, slug: str, version: int | None = None):
    source = selectors.source_get(slug=slug)
    document = selectors.document_for_reader(source=source, version=version)
    versions = list(selectors.source_versions(source=source))
    permalink = absolute_url(source.get_absolute_url())
    context = {
        "source": source,
        "document": document,
        "reader_text": reader_text(source=source, document=document),
        "versions": versions,
        "is_current": document.pk == source.current_document_id,
        "apa": citation.apa(source, permalink),
        "bibtex": citation.bibtex(source, permalink),
        "permalink": permalink,
    }
    context.update(reader_extensions.collect(request, source=source, document=document))
    return render(request, "sources/reader.html", context)


def reader_text(*, source, document) -> str:
    """The table of contents and the passages of one version, with the passage slots of
    other apps: the same for every viewer, so it is rendered once per version, language
    and generation of the public *text* (which annotation writes leave alone) and then
    comes from the cache (ADR 0004). On a long document this is most of the reader's
    work."""

    def render_text() -> str:
        passages = list(selectors.passages_for_document(document=document))
        context = {
            "source": source,
            "document": document,
            "passages": passages,
            "headings": [p for p in passages if p.kind == "heading"],
        }
        context.update(
            reader_extensions.collect_passages(source=source, document=document, passages=passages)
        )
        return render_to_string("sources/_reader_text.html", context)

    return mark_safe(  # noqa: S308 - rendered by the template engine, autoescaped
        page_cache.fragment(
            "reader-text",
            document.pk,
            get_language(),
            render=render_text,
            generation_key=page_cache.TEXT_GENERATION_KEY,
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_add(request):
    form = SourceUploadForm(request.POST or None, request.FILES or None)
    throttled = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            source = services.source_create(
                user=request.user,
                metadata=form.metadata(),
                data=upload.content_bytes,
                filename=upload.name,
                client_ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            document = source.documents.order_by("-created").first()
            messages.success(request, _("Thank you. The file is being imported."))
            return redirect("sources:import_status", document_id=document.pk)
    return throttled_response(render(request, "sources/source_add.html", {"form": form}), throttled)


@login_required
@require_http_methods(["GET", "POST"])
def version_add(request, slug: str):
    source = selectors.source_get(slug=slug)
    form = NewVersionForm(request.POST or None, request.FILES or None)
    throttled = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = services.document_upload(
                user=request.user,
                source=source,
                data=upload.content_bytes,
                filename=upload.name,
                client_ip=client_ip(request),
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            return redirect("sources:import_status", document_id=document.pk)
    context = {"form": form, "source": source}
    return throttled_response(render(request, "sources/version_add.html", context), throttled)


@login_required
def import_status(request, document_id: int):
    document = selectors.document_status_for_user(document_id=document_id, user=request.user)
    template = "sources/_import_status.html" if request.htmx else "sources/import_status.html"
    response = render(request, template, {"document": document})
    if request.htmx and document.is_ready:
        # Stop polling; htmx follows this header to the reader.
        response["HX-Redirect"] = reverse(
            "sources:reader_version",
            kwargs={"slug": document.source.slug, "version": document.version},
        )
    return response


def _attach_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
