from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.common import csl, http_cache
from apps.common.client_ip import client_ip
from apps.common.forms import attach_errors
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.site import absolute_url
from apps.common.throttles import RateLimited, throttled_response

from . import (
    citation,
    permissions,
    reader_extensions,
    selectors,
    services,
    translation_selectors,
    translation_views,
)
from . import reader_text as reader_text_markup
from .forms import (
    AcceptForm,
    MaintainerForm,
    NewVersionForm,
    ReasonForm,
    SourceFilterForm,
)
from .languages import language_name
from .models import DocumentStatus, SourceType

# The models each public page reads. Higher layers' models by label (the reader's
# extensions show annotations and atlas links): sources imports nothing above it.
SOURCE_LIST_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "sources.Translation",
    "accounts.User",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "contenttypes.ContentType",
)
# The passage markup: no annotation appears in it, so annotation writes leave it cached.
READER_TEXT_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "sources.Passage",
    "sources.Translation",
    "sources.AlignedPair",
    "atlas.Example",
    "atlas.PassageLink",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
    "contenttypes.ContentType",
)
READER_DEPENDS_ON = (
    *READER_TEXT_DEPENDS_ON,
    "sources.SourceMaintainer",
    "annotations.Annotation",
    "annotations.AnnotationAnchor",
    "annotations.HighlightLegendEntry",
)


@public_view
@public_page(depends_on=SOURCE_LIST_DEPENDS_ON)
def source_list(request):
    form = SourceFilterForm(request.GET or None)
    sources = selectors.source_list(originals_only=True)
    if form.is_valid():
        sources = selectors.source_list(
            query=form.cleaned_data.get("q") or "",
            source_type=form.cleaned_data.get("type") or "",
            year=form.cleaned_data.get("year"),
            originals_only=True,
        )
    page = Paginator(sources, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sources/source_list.html",
        {"form": form, "page": page, "source_types": SourceType.choices},
    )


@public_view
@public_page(depends_on=READER_DEPENDS_ON)
def reader(request, slug: str, version: int | None = None):
    source = selectors.source_get(slug=slug, viewer=request.user, for_reader=True)
    translations, translation_of = translation_selectors.translation_links(source=source)
    translation = translation_views.translation_asked(request, translations)
    if translation is not None:
        # The version the translation was made from, whatever the current one is.
        document = translation.original
        document.source = source
        if version is not None and version != document.version:
            raise Http404("That translation is not of this version.")
    else:
        document = selectors.document_for_reader(
            source=source, version=version, viewer=request.user
        )
    versions = selectors.published_versions(source=source)
    permalink = absolute_url(source.get_absolute_url())
    edition_url = absolute_url(document.get_absolute_url())
    item = citation.csl_item(source)
    # The day the page was rendered; static/js/site.js moves it to the reader's today
    # when a cached copy is served on a later day.
    accessed = timezone.localdate()
    # Both sides are annotated on the page (ADR 0019); the *first* side, the original
    # unless ?side= asks, is the one a phone shows first in every row and the one the
    # reader's extensions describe (the annotation layer adds the other side's threads
    # from the parallel text's data, static/js/annotations/store.js).
    active_source, active_document, side = source, document, "original"
    if translation is not None and request.GET.get("side") == "translation":
        active_source, active_document, side = (
            translation.source,
            translation.document,
            "translation",
        )
        active_document.source = active_source
    context = {
        "source": source,
        "document": document,
        "active_source": active_source,
        "active_document": active_document,
        "reader_text": (
            translation_views.parallel_text(translation=translation, active=side)
            if translation is not None
            else reader_text(source=source, document=document)
        ),
        "translations": [(t, language_name(t.language)) for t in translations],
        "translation": translation,
        # This source is itself a translation: say of what, and offer it side by side.
        "translation_of": translation_of,
        "original_language_name": language_name(source.language),
        "versions": versions,
        "is_current": document.pk == source.current_document_id,
        # The Cite box cites the journal's publication, not this copy of it; the
        # annotated edition read here is cited apart (its version and access date).
        "apa": citation.apa(source),
        "bibtex": citation.bibtex(source),
        "edition_apa": citation.edition_apa(source, document, edition_url, accessed),
        "accessed_display": citation.accessed_display(accessed),
        "source_api_url": reverse("api-source-detail", kwargs={"slug": source.slug}),
        "citation_meta": csl.highwire_tags(item, html_url=permalink),
        "coins": csl.coins(item),
        "permalink": permalink,
        **_stewardship_context(request, source=source),
    }
    if document.is_published:
        context.update(
            reader_extensions.collect(request, source=active_source, document=active_document)
        )
    else:
        # A proposal or a withdrawn version is read, not annotated or linked to.
        context["reader_slots"] = {slot: [] for slot in reader_extensions.SLOTS}
    return render(request, "sources/reader.html", context)


@require_GET
def reader_personal(request, slug: str, version: int):
    """The reader's private fragment (static/js/site.js fetches it for a signed-in viewer
    of the public page): steward tools and the viewer's own proposed versions. Empty for
    an anonymous visitor; never stored by a shared cache."""
    if not request.user.is_authenticated:
        response = HttpResponse("")
    else:
        source = selectors.source_get(slug=slug, viewer=request.user)
        document = selectors.document_for_reader(
            source=source, version=version, viewer=request.user
        )
        context = {
            "source": source,
            "document": document,
            "versions": selectors.published_versions(source=source),
            "is_current": document.pk == source.current_document_id,
            **_stewardship_context(request, source=source),
        }
        if context["can_steward"]:
            context["translations"] = [
                (t, language_name(t.language))
                for t in translation_selectors.translations_for_source(source=source)
            ]
        response = render(request, "sources/_reader_personal.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _stewardship_context(request, *, source) -> dict:
    """The source page's stewardship section: its maintainers for everyone; for people
    who may read them, the versions that are not published (proposals, rejected and
    withdrawn versions) and, for its stewards, the forms to decide them. Two queries for
    a signed-in viewer (maintainers; the versions), none more per version."""
    maintainers = selectors.maintainers_of(source=source)
    user = request.user
    permissions.remember_maintainers(user, source, [m.pk for m in maintainers])
    can_steward = permissions.can_steward(user, source)
    unpublished = []
    if user.is_authenticated:
        unpublished = [
            document
            for document in selectors.source_versions_for(source=source, viewer=user)
            if document.status != DocumentStatus.READY
        ]
    return {
        "maintainers": maintainers,
        "can_steward": can_steward,
        "unpublished_versions": unpublished,
        "proposals": [d for d in unpublished if d.status == DocumentStatus.PROPOSED],
    }


def reader_text(*, source, document) -> str:
    """The table of contents and the passages of one version, with the passage slots of
    other apps: the same for every viewer, so it is rendered once per version, language
    and versions of what it shows (no annotation model: annotation writes leave it alone)
    and then comes from the cache (ADR 0007). On a long document this is most of the reader's
    work."""

    return mark_safe(  # noqa: S308 - reader_text.render escapes every value
        http_cache.fragment(
            "reader-text",
            document.pk,
            # A proposal's text has no passage slots; once accepted, it gets them.
            document.status,
            get_language(),
            depends_on=READER_TEXT_DEPENDS_ON,
            render=lambda: reader_text_markup.render(source=source, document=document),
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_add(request, slug: str):
    """Upload a new version: published by a steward, proposed by anyone else (the page
    says which before the upload)."""
    source = selectors.source_get(slug=slug, viewer=request.user)
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
            attach_errors(form, exc)
        else:
            if document.is_proposal:
                messages.success(
                    request,
                    _(
                        "Thank you. Your version is being imported as a proposal: the "
                        "source's maintainers will review it."
                    ),
                )
            return redirect("sources:import_status", document_id=document.pk)
    context = {
        "form": form,
        "source": source,
        "can_steward": permissions.can_steward(request.user, source),
    }
    return throttled_response(render(request, "sources/version_add.html", context), throttled)


@login_required
def import_status(request, document_id: int):
    document = selectors.document_status_for_user(document_id=document_id, user=request.user)
    template = "sources/_import_status.html" if request.htmx else "sources/import_status.html"
    context = {"document": document}
    if document.status == DocumentStatus.PROPOSED:
        context["diff_url"] = services.diff_url(document)
    response = render(request, template, context)
    if request.htmx and document.status in (DocumentStatus.READY, DocumentStatus.PROPOSED):
        # Stop polling; htmx follows this header to the reader (a proposal's author may
        # read it there).
        response["HX-Redirect"] = reverse(
            "sources:reader_version",
            kwargs={"slug": document.source.slug, "version": document.version},
        )
    return response


@require_GET
def diff(request, slug: str):
    """``/sources/<slug>/diff/?from=1&to=2``: what changed between two versions the
    viewer may read, passage by passage and word by word."""
    source = selectors.source_get(slug=slug, viewer=request.user)
    try:
        result = selectors.version_diff(
            source=source,
            from_version=request.GET.get("from"),
            to_version=request.GET.get("to"),
            viewer=request.user,
        )
    except selectors.DiffInputError as exc:
        return render(
            request, "sources/diff.html", {"source": source, "error": exc.message}, status=400
        )
    context = {
        "source": source,
        "diff": result,
        "rows": _diff_rows(result),
        "versions": selectors.source_versions_for(source=source, viewer=request.user),
    }
    return render(request, "sources/diff.html", context)


def _diff_rows(result) -> list[dict]:
    """Consecutive unchanged passages folded into one row ("12 unchanged passages")."""
    rows: list[dict] = []
    for entry in result.entries:
        if entry.status == "unchanged":
            if rows and rows[-1]["unchanged"]:
                rows[-1]["count"] += 1
            else:
                rows.append({"unchanged": True, "count": 1})
        else:
            rows.append({"unchanged": False, "entry": entry})
    return rows


# --- Stewardship: decide versions, name maintainers (POST only) ------------------------------


def _check_steward(user, source) -> None:
    """Refuse before reading the form: the services check again, but someone who may not
    act should hear that, not that their input is incomplete."""
    if not permissions.can_steward(user, source):
        raise PermissionDenied(_("Only this source's maintainers and moderators can do this."))


def _version_action(request, slug: str, version: int, *, action: str):
    source = selectors.source_get(slug=slug, viewer=request.user)
    document = selectors.document_for_reader(source=source, version=version, viewer=request.user)
    _check_steward(request.user, source)
    form_class = AcceptForm if action == "accept" else ReasonForm
    form = form_class(request.POST)
    status = 400
    conflict = None
    if form.is_valid():
        try:
            if action == "accept":
                services.document_accept(
                    actor=request.user,
                    document=document,
                    reason=form.cleaned_data["reason"],
                    current_version=form.cleaned_data.get("current_version"),
                )
            elif action == "reject":
                services.document_reject(
                    actor=request.user, document=document, reason=form.cleaned_data["reason"]
                )
            else:
                services.document_withdraw(
                    actor=request.user, document=document, reason=form.cleaned_data["reason"]
                )
        except services.CurrentVersionMoved as exc:
            conflict = exc
            status = 409
            attach_errors(form, exc)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, SUCCESS_MESSAGES[action] % {"version": document.version})
            if action == "withdraw":
                return redirect(source.get_absolute_url())
            return redirect("sources:reader_version", slug=source.slug, version=document.version)
    context = {
        "source": source,
        "document": document,
        "action": action,
        "form": form,
        "conflict": conflict,
    }
    if conflict is not None:
        context["conflict_diff_url"] = services.diff_url(document, against=conflict.current)
    return render(request, "sources/version_action.html", context, status=status)


SUCCESS_MESSAGES = {
    "accept": gettext_lazy("Version %(version)s is now the current version."),
    "reject": gettext_lazy("Version %(version)s was rejected; its author has been told."),
    "withdraw": gettext_lazy("Version %(version)s was withdrawn."),
}


@login_required
@require_POST
def version_accept(request, slug: str, version: int):
    return _version_action(request, slug, version, action="accept")


@login_required
@require_POST
def version_reject(request, slug: str, version: int):
    return _version_action(request, slug, version, action="reject")


@login_required
@require_POST
def version_withdraw(request, slug: str, version: int):
    return _version_action(request, slug, version, action="withdraw")


def _maintainer_action(request, slug: str, *, remove: bool):
    source = selectors.source_get(slug=slug, viewer=request.user)
    _check_steward(request.user, source)
    form = MaintainerForm(request.POST)
    if form.is_valid():
        service = services.maintainer_remove if remove else services.maintainer_add
        try:
            service(
                actor=request.user,
                source=source,
                username=form.cleaned_data["username"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            message = (
                _("%(name)s no longer maintains this source.")
                if remove
                else _("%(name)s now maintains this source.")
            )
            messages.success(request, message % {"name": form.cleaned_data["username"]})
            return redirect(source.get_absolute_url() + "#maintainers")
    context = {"source": source, "form": form, "remove": remove}
    return render(request, "sources/maintainer_action.html", context, status=400)


@login_required
@require_POST
def maintainer_add(request, slug: str):
    return _maintainer_action(request, slug, remove=False)


@login_required
@require_POST
def maintainer_remove(request, slug: str):
    return _maintainer_action(request, slug, remove=True)
