"""HTML pages for moderation. Thin: parse input, call a service or selector, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from apps.common import csv_safe
from apps.common.validators import as_id

from . import directory, permissions, selectors, services
from .actions import decisions_for, review_items_decide
from .errors import ModerationConflict
from .forms import (
    DecideForm,
    FlagForm,
    LogFilterForm,
    QueueFilterForm,
    UserDirectoryForm,
    UserMeasureForm,
)
from .models import QUEUE_DECISIONS, Decision
from .registry import adapter_for_content_type

QUEUE_PAGE_SIZE = 50
# One key per decision, on the buttons and in the "?" help (static/js/moderation.js).
DECISION_KEYS = {
    "publish": "a",
    "request_changes": "e",
    "reject": "r",
    "hide": "h",
    "keep": "n",
    "spam": "s",
}
LOG_PAGE_SIZE = 50
DIRECTORY_PAGE_SIZE = 50


def _require_moderator(request) -> None:
    if not permissions.can_view_queue(request.user):
        raise PermissionDenied(_("Only moderators can open the moderation pages."))


def _next_url(request, default: str = "moderation:queue"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return redirect(default).url


@login_required
@require_http_methods(["GET", "POST"])
def queue(request):
    """The review queue; POST applies one decision with one reason to the checked rows,
    each for the version of its content the page showed (``version-<item id>``). Items
    whose content changed since are not decided: the page answers 409 with what changed
    and the rows re-rendered for the new versions."""
    _require_moderator(request)
    decide_form = None
    conflicts: list = []
    status = 200
    if request.method == "POST":
        data, after = _decision_data(request)
        decide_form = DecideForm(data, item_ids=data.getlist("items"))
        if not decide_form.is_valid():
            status = 400
        else:
            result = _decide(request, decide_form.cleaned_data)
            if result is None or not result.changed:
                # On to the next row: the page opens with it focused (moderation.js).
                anchor = f"#queue-item-{after}" if after and result and result.decided else ""
                return redirect(request.get_full_path() + anchor)
            conflicts = [
                {"item_id": item_id, "message": exc.message, "changes": exc.changes}
                for item_id, exc in result.changed.items()
            ]
            status = 409
    filter_form = QueueFilterForm(request.GET or None)
    filters = filter_form.filters() if filter_form.is_valid() else {}
    items = selectors.review_items_for_queue(viewer=request.user, **filters)
    page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.review_items_attach_changes(page.object_list)
    rows = list(page.object_list)
    for index, item in enumerate(rows):
        offered = decisions_for(item.item_type, adapter_for_content_type(item.content_type_id))
        item.offered = [(d, Decision(d).label, DECISION_KEYS[d]) for d in offered]
        item.next_id = rows[index + 1].pk if index + 1 < len(rows) else ""
    selected = (
        {str(conflict["item_id"]) for conflict in conflicts}
        if conflicts
        else {str(i) for i in request.POST.getlist("items")}
    )
    context = {
        "filter_form": filter_form,
        "decide_form": decide_form or DecideForm(),
        "page": page,
        "decisions": [(d, label, DECISION_KEYS[d]) for d, label in QUEUE_DECISIONS],
        "selected": selected,
        "conflicts": conflicts,
    }
    return render(request, "moderation/queue.html", context, status=status)


def _decision_data(request):
    """The decision posted: either one row's own button (``decide_one`` =
    "<decision>:<item id>:<next item id>", with that row's ``reason-<id>``, falling back to
    the panel's reason) or the panel (checked rows, one decision, one reason). Returns
    the data for DecideForm and the row to focus afterwards."""
    one = request.POST.get("decide_one", "")
    if not one:
        return request.POST, None
    decision, _sep, rest = one.partition(":")
    item_id, _sep, after = rest.partition(":")
    data = request.POST.copy()
    data.setlist("items", [item_id])
    data["decision"] = decision
    own_reason = request.POST.get(f"reason-{item_id}", "").strip()
    if own_reason:
        data["reason"] = own_reason
    return data, as_id(after)


def _posted_versions(request, item_ids) -> dict[int, int]:
    """The content version the page showed for each checked item (``version-<id>``)."""
    versions = {}
    for item_id in item_ids:
        version = as_id(request.POST.get(f"version-{item_id}", ""))
        if version is not None:
            versions[item_id] = version
    return versions


def _decide(request, data: dict):
    try:
        result = review_items_decide(
            actor=request.user,
            item_ids=data["items"],
            decision=data["decision"],
            reason=data["reason"],
            versions=_posted_versions(request, data["items"]),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    if len(result.decided) == 1:
        # One row decided (its own buttons, a key): say which, by what the row showed.
        messages.success(
            request,
            _("%(decision)s: “%(label)s”.")
            % {
                "decision": Decision(data["decision"]).label,
                "label": result.decided[0].target_label,
            },
        )
    elif result.decided:
        count = len(result.decided)
        messages.success(
            request,
            ngettext(
                "%(decision)s: %(count)d item decided.",
                "%(decision)s: %(count)d items decided.",
                count,
            )
            % {"decision": Decision(data["decision"]).label, "count": count},
        )
    refused = [item_id for item_id, _message in result.failed if item_id not in result.changed]
    labels = selectors.review_item_labels(viewer=request.user, item_ids=refused)
    for item_id, message in result.failed:
        if item_id not in result.changed:  # shown with their changes on the page
            if item_id in labels:  # by what the row showed, not an id nobody sees
                text = _("“%(label)s”: %(message)s") % {
                    "label": labels[item_id],
                    "message": message,
                }
            else:
                text = _("Item %(id)s: %(message)s") % {"id": item_id, "message": message}
            messages.error(request, text)
    return result


@login_required
@require_POST
def claim(request, item_id: int):
    item = selectors.review_item_get(viewer=request.user, item_id=item_id)
    try:
        services.review_item_claim(actor=request.user, item=item)
    except ModerationConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You claimed “%(label)s”.") % {"label": item.target_label})
    return redirect(_next_url(request))


@login_required
@require_http_methods(["GET", "HEAD"])
def item_detail(request, item_id: int):
    """One queue item expanded in its row (a private HTML fragment the queue loads when a
    row is opened with Enter or ``o``): the content as it is now, flag reasons and
    counts, the author's standing. Moderators who may work the item only."""
    item = selectors.review_item_get(viewer=request.user, item_id=item_id)
    detail = selectors.review_item_detail(viewer=request.user, item=item)
    return render(request, "moderation/_item_detail.html", detail)


@login_required
@require_POST
def release(request, item_id: int):
    item = selectors.review_item_get(viewer=request.user, item_id=item_id)
    try:
        services.review_item_release(actor=request.user, item=item)
    except ModerationConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You released “%(label)s”.") % {"label": item.target_label})
    return redirect(_next_url(request))


# --- Log --------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "time", "actor", "action", "target_type", "target_id", "target", "target_url", "country",
    "reason", "before", "after",
]  # fmt: skip


def _log_csv(rows):
    writer = csv_safe.writer(csv_safe.Echo())  # formulas defused
    yield writer.writerow(CSV_COLUMNS)
    for row in rows.iterator(chunk_size=500):
        yield writer.writerow(
            (
                row.created.isoformat(),
                row.actor_name or "system",
                row.action,
                row.target_content_type.model if row.target_content_type else "",
                row.target_object_id,
                row.target_label,
                row.target_url,
                row.country,
                row.reason,
                json.dumps(row.before, ensure_ascii=False) if row.before is not None else "",
                json.dumps(row.after, ensure_ascii=False) if row.after is not None else "",
            )
        )


@login_required
def log(request):
    """The audit log: filterable; ``?format=csv`` downloads every matching row."""
    if not permissions.can_read_log(request.user):
        raise PermissionDenied(_("Only moderators can read the moderation log."))
    form = LogFilterForm(request.GET or None)
    filters = form.filters() if form.is_valid() else {}
    rows = selectors.audit_log(viewer=request.user, **filters)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_log_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
        return response
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "csv"
    return render(
        request,
        "moderation/log.html",
        {"form": form, "page": page, "csv_query": query.urlencode()},
    )


# --- Users ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def user_directory(request):
    """Find a person to grant a role or a measure to (issue 19): search and filters; each
    row leads to the user's page, where changes are made and logged."""
    _require_moderator(request)
    measures = permissions.can_manage_users(request.user)
    form = UserDirectoryForm(request.GET or None, measures=measures)
    status, filters = 200, {}
    if form.is_bound:
        if form.is_valid():
            filters = {
                "query": form.cleaned_data["q"],
                "status": form.cleaned_data["status"],
                "country": form.cleaned_data["country"],
            }
        else:
            status = 400  # the form says why; no list that ignores what was asked
    users = directory.user_directory(viewer=request.user, **filters)
    if status == 400:
        users = users.none()
    page = Paginator(users, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "measures": measures}
    return render(request, "moderation/users.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_roles(request, username: str):
    """A user's roles and measures; moderators change measures and trust, admins appoint
    moderators. Every change needs a reason and is logged."""
    _require_moderator(request)
    person = get_object_or_404(get_user_model(), username=username)
    form = UserMeasureForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _apply_measure(request.user, person, form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            # The page again, with why, so a scoped moderator learns whom to ask.
            form.add_error(None, str(exc) or _("You may not make this change."))
            status = 403
        else:
            messages.success(request, _("Saved. The change is in the moderation log."))
            return redirect("moderation:user", username=person.get_username())
    if form.errors and status == 200:
        status = 400
    permissions.forget_roles(person)
    manages_users = permissions.can_manage_users(request.user)
    context = {
        "person": person,
        "roles": permissions.roles(person),
        # Measures and their log are global moderators' business (docs/moderation.md).
        "manages_users": manages_users,
        "state": selectors.user_state(user=person) if manages_users else None,
        "form": form,
        "history": selectors.audit_log(viewer=request.user).filter(
            target_content_type__model="user", target_object_id=str(person.pk)
        )[:20]
        if manages_users
        else [],
    }
    return render(request, "moderation/user.html", context, status=status)


def _apply_measure(actor, person, data: dict) -> None:
    action, reason = data["action"], data["reason"]
    calls = {
        "grant_trusted": lambda: services.role_grant_trusted(
            actor=actor, user=person, reason=reason
        ),
        "revoke_trusted": lambda: services.role_revoke_trusted(
            actor=actor, user=person, reason=reason
        ),
        "grant_moderator": lambda: services.role_grant_moderator(
            actor=actor,
            user=person,
            countries=data["countries"],
            everywhere=data["every_country"],
            reason=reason,
        ),
        "remove_moderator_countries": lambda: services.role_remove_moderator_countries(
            actor=actor, user=person, countries=data["countries"], reason=reason
        ),
        "revoke_moderator": lambda: services.role_revoke_moderator(
            actor=actor, user=person, reason=reason
        ),
        "premoderate_on": lambda: services.user_set_premoderation(
            actor=actor, user=person, enabled=True, reason=reason
        ),
        "premoderate_off": lambda: services.user_set_premoderation(
            actor=actor, user=person, enabled=False, reason=reason
        ),
        "shadow_hide_on": lambda: services.user_set_shadow_hidden(
            actor=actor, user=person, hidden=True, reason=reason
        ),
        "shadow_hide_off": lambda: services.user_set_shadow_hidden(
            actor=actor, user=person, hidden=False, reason=reason
        ),
    }
    calls[action]()


# --- Notices ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
def notices(request):
    """The old page of decision notices: they are notifications now, in the one inbox
    (apps/notifications). Kept as a permanent redirect for links in old e-mails."""
    return redirect("notifications:list", permanent=True)


# --- Flags from pages ---------------------------------------------------------------------------


@login_required
@require_POST
def flag(request):
    """The "Flag" form on content pages (entries, comments): the same service and the
    same rate limit as POST /api/flags/, then back to the page with the outcome as a
    message. Flagging too fast is the 429 page with Retry-After (the RateLimited goes
    through to apps/common/views.permission_denied)."""
    from apps.common.throttles import check_request_rate

    from .registry import UnknownTargetType, get_adapter

    back = _next_url(request, default="home")
    form = FlagForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, " ".join(m for ms in form.errors.values() for m in ms) or _("Not flagged.")
        )
        return redirect(back)
    try:
        check_request_rate(request, "flag")
        adapter = get_adapter(form.cleaned_data["target_type"])
        target = adapter.get(form.cleaned_data["target_id"])
        if target is None:
            raise ValidationError(_("This content does not exist."))
        services.flag_create(
            flagger=request.user,
            target=target,
            reason=form.cleaned_data["reason"],
            text=form.cleaned_data["text"],
        )
    except (ValidationError, UnknownTargetType) as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Thank you: a moderator will look at it. Nobody else sees who flagged.")
        )
    return redirect(back)
