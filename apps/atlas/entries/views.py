"""HTML pages of an entry: the contribution form, editing (with the conflict page),
the entry page itself and its status buttons. Thin: parse input, call a selector or a
service, render. The entry page also shows the suggestions (suggestions/) and the
discussion (discussion/), whose own actions live in their packages."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.common import csl
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.common.site import absolute_url
from apps.common.throttles import RateLimited, check_request_rate, throttled_response
from apps.common.validators import as_id

from .. import citation, extensions
from ..contributors import credits
from ..discussion.selectors import comments_for_example
from ..history.selectors import example_changes_since
from ..lifecycle import services as lifecycle_services
from ..merge.selectors import merged_destination_for
from ..models import PASSAGE_QUOTE_MAX_LENGTH, Example, Status
from ..permissions import (
    allowed_transitions,
    can_decide_suggestion,
    can_edit,
    can_moderate_example,
    can_restore,
    can_review_suggestions,
    can_suggest,
    needs_review,
)
from ..review import edits
from ..suggestions.selectors import suggestions_for_example
from . import selectors, services, transitions, validation
from .forms import (
    EvidenceEditFormSet,
    EvidenceFormSet,
    ExampleEditForm,
    ExampleForm,
    PassageLinkFormSet,
    evidence_initial,
    links_initial,
)

# --- Creating an entry --------------------------------------------------------------------


def attach_errors(form, formset_errors: list[str], exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field.startswith("evidence"):
            formset_errors.extend(errors)
        elif field.startswith("passages"):
            form.add_error(None, errors)
        elif field in form.fields:
            form.add_error(field, errors)
        else:
            form.add_error(None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def example_new(request):
    """The contribution form. ``?passage=<id>`` links the passage and shows its text; the
    user's home country is preselected. Possible duplicates are shown before saving and
    must be acknowledged."""
    passage = selectors.passage_for_form(
        viewer=request.user, passage_id=request.POST.get("passage") or request.GET.get("passage")
    )
    initial = {"country": request.user.country.code if request.user.country else ""}
    selection_error = ""
    if passage:
        initial["passage"] = passage.pk
        if request.method == "GET" and "start" in request.GET:
            # Words selected in the reader (its selection menu): checked now so that the
            # form shows them highlighted, and again by the service on submit.
            try:
                initial.update(
                    validation.selected_words(
                        passage=passage,
                        start=as_id(request.GET.get("start")),
                        end=as_id(request.GET.get("end")),
                        quote=request.GET.get("quote", "")[: PASSAGE_QUOTE_MAX_LENGTH + 1],
                    )
                )
            except ValidationError as exc:
                selection_error = " ".join(exc.messages)
    form = ExampleForm(request.POST or None, initial=initial)
    formset = EvidenceFormSet(request.POST or None, prefix="evidence")
    evidence_errors: list[str] = []
    similar: list[Example] = []
    throttled = None
    status = 200
    if request.method == "POST":
        status = 400
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            check_request_rate(request, "entry")
            example = services.example_create(
                author=request.user,
                data=form.example_data(),
                evidence=[f.evidence_data() for f in formset if f.has_changed()],
                passages=form.passage_links(),
                submit=request.POST.get("action") == "submit",
                confirm_distinct=bool(form.cleaned_data.get("confirm_distinct")),
                draft_if_unpublishable=True,
            )
        except RateLimited as exc:
            form.add_error(None, str(exc))
            throttled = exc
        except services.SimilarEntries as exc:
            # The same rule as the API's 409: shown as the list and the "I checked" box.
            similar = exc.similar
            attach_errors(form, evidence_errors, exc)
            status = 409
        except ValidationError as exc:
            attach_errors(form, evidence_errors, exc)
        else:
            if example.publish_blockers:
                # A trusted contributor's entry that may not be published yet: kept as a
                # draft, and its author sent to the edit form, where values are cited.
                messages.warning(
                    request,
                    _(
                        "Saved as a draft, not yet published: %(reasons)s Cite them with the "
                        "Cite buttons below, then publish the entry from its page."
                    )
                    % {"reasons": " ".join(example.publish_blockers)},
                )
                return redirect("atlas:example_edit", pk=example.pk, slug=example.slug)
            if example.status == Status.PUBLISHED:
                messages.success(
                    request,
                    _("Thank you. As a trusted contributor, your entry is published."),
                )
            elif example.status == Status.SUBMITTED:
                messages.success(
                    request,
                    _(
                        "Thank you. Your entry awaits review: a moderator will publish it or "
                        "ask for changes, and this page will show which."
                    ),
                )
            else:
                messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect(example.get_absolute_url())
    passage_query = request.GET.get("passage_q", "")
    context = {
        "form": form,
        "formset": formset,
        "evidence_errors": evidence_errors,
        "passage": passage,
        "quote_parts": quote_parts(passage, form),
        "selection_error": selection_error,
        "similar": similar,
        "passage_query": passage_query,
        "passage_results": list(selectors.passage_search(viewer=request.user, query=passage_query)),
        "unlink_url": reverse("atlas:example_new"),
        **extensions.form_context(request, None, request.POST or None),
    }
    return throttled_response(
        render(request, "atlas/example_form.html", context, status=status), throttled
    )


def quote_parts(passage, form) -> tuple[str, str, str] | None:
    """The linked passage's text around the selected words (before, words, after), for
    showing them highlighted; None without a selection inside the passage."""
    if passage is None:
        return None
    try:
        start = int(form["quote_start"].value()) - passage.start
        end = int(form["quote_end"].value()) - passage.start
    except (TypeError, ValueError):
        return None
    if not 0 <= start < end <= len(passage.text):
        return None
    before, words, after = passage.text[:start], passage.text[start:end], passage.text[end:]
    # Enough context to recognise the place, not the whole paragraph.
    if len(before) > 300:
        before = "…" + before[-300:]
    if len(after) > 300:
        after = after[:300] + "…"
    return before, words, after


def similar_hint(request):
    """htmx fragment: possible duplicates while the contributor types the title."""
    similar = selectors.similar_examples(
        viewer=request.user,
        title=request.GET.get("title", ""),
        country=request.GET.get("country", ""),
        exclude_id=as_id(request.GET.get("exclude")),
    )
    return render(
        request,
        "atlas/_similar.html",
        {"similar": similar, "confirm_checked": bool(request.GET.get("confirm_distinct"))},
    )


# --- Editing an entry ----------------------------------------------------------------------


def _link_rows(example, links_formset) -> list[tuple]:
    """(form, passage) pairs for the linked-passage forms; the passage is None when the
    form names a passage the entry no longer links (after a conflict)."""
    passages = {link.passage_id: link.passage for link in example.passage_links.all()}
    rows = []
    for form in links_formset:
        try:
            passage_id = int(form["passage"].value() or 0)
        except (TypeError, ValueError):
            passage_id = 0
        rows.append((form, passages.get(passage_id)))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def example_edit(request, pk: int, slug: str):
    """The creation form, filled in, for the entry's author and moderators. The version
    the editor started from travels in a hidden field: if someone else saved in between,
    the page answers 409 with what they changed, keeps the editor's input, and lets them
    save again knowingly."""
    example = selectors.example_get(viewer=request.user, example_id=pk)
    # A POST is never redirected: the title (and so the slug) may have changed while the
    # editor had the form open, and their input must reach the conflict check.
    if slug != example.slug and request.method == "GET":
        return redirect("atlas:example_edit", pk=example.pk, slug=example.slug, permanent=False)
    if not can_edit(user=request.user, example=example):
        raise PermissionDenied(_("You may not edit this entry."))
    new_passage = selectors.passage_for_form(
        viewer=request.user, passage_id=request.POST.get("passage") or request.GET.get("passage")
    )
    if new_passage is not None and any(
        link.passage_id == new_passage.pk for link in example.passage_links.all()
    ):
        new_passage = None
    data = request.POST or None
    initial = ExampleEditForm.initial_for(example)
    if new_passage is not None:
        initial["passage"] = new_passage.pk
    form = ExampleEditForm(data, initial=initial)
    if note := lifecycle_services.coded_value_note(example):
        form.fields["lifecycle"].help_text = note
    formset = EvidenceEditFormSet(data, prefix="evidence", initial=evidence_initial(example))
    links_formset = PassageLinkFormSet(data, prefix="links", initial=links_initial(example))
    evidence_errors: list[str] = []
    similar: list[Example] = []
    changes: list = []
    status = 200
    throttled = None
    if request.method == "POST":
        status = 400
        valid = form.is_valid() & formset.is_valid() & links_formset.is_valid()
        if valid:
            try:
                check_request_rate(request, "entry")
                # One transaction: what the extensions save from the same form (value
                # citations) is refused with the edit, and the edit with it.
                with transaction.atomic():
                    outcome = edits.example_edit(
                        actor=request.user,
                        example=example,
                        changes=asdict(form.example_data()),
                        evidence=[f.evidence_data() for f in formset.kept_forms()],
                        passages=[f.link_data() for f in links_formset.kept_forms()]
                        + form.passage_links(),
                        expected_version=form.cleaned_data["version"],
                        confirm_distinct=bool(form.cleaned_data.get("confirm_distinct")),
                    )
                    extensions.form_save(request, outcome.example, request.POST)
                example = outcome.example
            except services.StaleVersion as exc:
                status = 409
                changes = example_changes_since(example=example, version=exc.expected_version)
                form.add_error(None, exc.messages)
                # The editor has now seen what changed: saving again replaces it.
                form.data = form.data.copy()
                form.data["version"] = str(exc.current_version)
            except RateLimited as exc:
                form.add_error(None, str(exc))
                throttled = exc
            except services.SimilarEntries as exc:
                similar = exc.similar
                attach_errors(form, evidence_errors, exc)
                status = 409
            except ValidationError as exc:
                attach_errors(form, evidence_errors, exc)
            else:
                if outcome.awaits_review:
                    messages.success(
                        request,
                        _(
                            "Thank you. Your changes were sent to the moderators: the "
                            "published entry stays as it is until one of them accepts "
                            "them."
                        ),
                    )
                    return redirect(f"{example.get_absolute_url()}#suggestions")
                messages.success(
                    request,
                    _("Saved. This is version %(version)s.") % {"version": example.version},
                )
                return redirect(example.get_absolute_url())
    passage_query = request.GET.get("passage_q", "")
    context = {
        "example": example,
        "editing": True,
        "form": form,
        "formset": formset,
        "links_formset": links_formset,
        "link_rows": _link_rows(example, links_formset),
        "evidence_errors": evidence_errors,
        "passage": new_passage,
        "similar": similar,
        "conflict_changes": changes,
        "passage_query": passage_query,
        "passage_results": list(selectors.passage_search(viewer=request.user, query=passage_query)),
        "unlink_url": reverse(
            "atlas:example_edit", kwargs={"pk": example.pk, "slug": example.slug}
        ),
        **extensions.form_context(request, example, data),
    }
    return throttled_response(
        render(request, "atlas/example_form.html", context, status=status), throttled
    )


# --- Reading an entry ----------------------------------------------------------------------


def _suggestions_with_rights(request, example) -> list:
    suggestions = suggestions_for_example(example=example, viewer=request.user)
    for suggestion in suggestions:
        suggestion.example = example  # already loaded: no query per suggestion
        # An author's own pending edit is decided by moderators, not by its author.
        suggestion.decidable = can_decide_suggestion(
            user=request.user, suggestion=suggestion
        ) and not needs_review(user=request.user, example=example)
    return suggestions


def entry_personal_context(request, example) -> dict:
    """What ``request.user`` may do with the entry: the controls of
    templates/atlas/_entry_personal.html (and the permissions it grants the page)."""
    user = request.user
    if not user.is_authenticated:
        return {
            "transitions": [],
            "is_moderator": False,
            "can_edit": False,
            "can_suggest": False,
            "suggestions": [],
            "can_decide": False,
            "can_restore": False,
            "can_date_lifecycle": False,
        }
    return {
        "transitions": [
            (value, Status(value).label)
            for value in allowed_transitions(user=user, example=example)
        ],
        "is_moderator": can_moderate_example(user, example),
        "can_edit": can_edit(user=user, example=example),
        "can_suggest": can_suggest(user=user, example=example),
        "suggestions": _suggestions_with_rights(request, example),
        "can_decide": can_review_suggestions(user=user, example=example),
        "can_restore": can_restore(user=user, example=example),
        "can_date_lifecycle": can_edit(user=user, example=example)
        and not needs_review(user=user, example=example),
        # e.g. double-coding links and orphaned citations (apps/coding, ADR 0011)
        **extensions.personal_context(request, example),
    }


def entry_page_context(request, example, **extra) -> dict:
    permalink = absolute_url(example.get_absolute_url())
    item = citation.csl_item(example, permalink)
    return {
        "example": example,
        "evidence": list(example.evidence.all()),
        "links": list(example.passage_links.all()),
        "events": list(example.lifecycle_events.all()),
        "permalink": permalink,
        "contributors": credits(example),
        "apa": citation.apa(example, permalink),
        "bibtex": citation.bibtex(example, permalink),
        "citation_meta": csl.highwire_tags(item, html_url=permalink),
        "entry_api_url": reverse("api-example-detail", kwargs={"pk": example.pk}),
        "coins": csl.coins(item),
        **entry_personal_context(request, example),
        "threads": comments_for_example(example=example, viewer=request.user),
        "comment_body": "",
        "comment_parent": None,
        "comment_error": "",
        "Status": Status,
        # e.g. value citations and "uncited" marks (apps/coding, ADR 0011)
        **extensions.page_context(request, example),
        **extra,
    }


# What an entry page shows: the entry, its evidence, links, discussion, contributors.
ENTRY_DEPENDS_ON = (
    "atlas.Example",
    "atlas.Category",
    "atlas.Evidence",
    "atlas.PassageLink",
    "atlas.EntryComment",
    "atlas.ExampleContributor",
    "atlas.LifecycleEvent",
    "atlas.ExampleMerge",
    "atlas.SuggestedEdit",
    # Filled through apps/atlas/extensions.py by the app above (ADR 0011).
    "coding.ValueCitation",
    "coding.CodebookVersion",
    "sources.Source",
    "sources.Document",
    "sources.Passage",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "accounts.User",
)


@public_view
@public_page(depends_on=ENTRY_DEPENDS_ON)
def example_detail(request, pk: int, slug: str | None = None):
    try:
        example = selectors.example_get(viewer=request.user, example_id=pk)
    except Http404:
        # A merged duplicate leads to the entry it was merged into, for good.
        destination = merged_destination_for(pk)
        if destination is None:
            raise
        return redirect(destination.get_absolute_url(), permanent=True)
    if slug != example.slug:
        return redirect(example.get_absolute_url(), permanent=slug is not None)
    return render(request, "atlas/example_detail.html", entry_page_context(request, example))


@require_GET
def example_personal(request, pk: int):
    """The entry page's private fragment (static/js/site.js fetches it for a signed-in
    viewer of the public page): their controls, and the permissions the page's hidden
    controls wait for. Empty for an anonymous visitor; never stored by a shared cache."""
    if not request.user.is_authenticated:
        response = HttpResponse("")
    else:
        example = selectors.example_get(viewer=request.user, example_id=pk)
        context = {"example": example, "Status": Status, **entry_personal_context(request, example)}
        response = render(request, "atlas/_entry_personal.html", context)
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _cite_first(user, example, exc: ValidationError) -> bool:
    """Whether a refused status change was a publication refused for uncited values
    (keyed by the codebook's fields) that ``user`` may fix: then they are sent to the edit
    form, where the Cite buttons are, with the message naming what to cite."""
    uncited = set(getattr(exc, "error_dict", {})) - {"reason", "evidence", "to", "__all__"}
    return bool(uncited) and can_edit(user=user, example=example)


@login_required
@require_POST
def example_transition(request, pk: int):
    example = selectors.example_get(viewer=request.user, example_id=pk)
    try:
        example = transitions.example_transition(
            actor=request.user,
            example=example,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
            expected_version=as_id(request.POST.get("version", "")),
        )
    except services.StaleVersion:
        messages.error(
            request,
            _(
                "The entry changed while you were looking at it. Nothing was changed: read it "
                "again (its history shows what changed), then decide."
            ),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        if _cite_first(request.user, example, exc):
            return redirect("atlas:example_edit", pk=example.pk, slug=example.slug)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("The entry is now: %(status)s.") % {"status": example.get_status_display()}
        )
    return redirect(example.get_absolute_url())
