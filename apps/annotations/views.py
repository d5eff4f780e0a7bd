"""HTML pages of the annotations app (the reader UI itself is a reader extension)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from apps.common.forms import attach_errors
from apps.common.throttles import RateLimited, check_request_rate

from . import group_selectors, selectors, services
from .forms import GroupForm
from .models import GroupRole


@require_GET
def annotation_share(request, pk: int):
    """``/a/<id>/``: one annotation's share link. Redirects to the reader of its version
    at the passage of its thread, with the thread open (``?thread=``, read by
    static/js/annotations/main.js). 404 to whoever may not see it (someone else's
    private note, a hidden one without replies), exactly as the API's detail; the answer
    depends on the viewer, so no shared cache keeps it."""
    target = selectors.annotation_share_target(viewer=request.user, annotation_id=pk)
    response = HttpResponseRedirect(target)
    patch_cache_control(response, private=True, no_cache=True)
    return response


# --- Reading groups (personal pages: private, never the shared public cache) ---------------


def _group_error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_http_methods(["GET", "POST"])
def group_list(request):
    """Your reading groups and a form to make one (you become its owner)."""
    form = GroupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                check_request_rate(request, "group")
                group = services.group_create(creator=request.user, **form.cleaned_data)
            except RateLimited as exc:
                form.add_error(None, str(exc))
                status = 429
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                messages.success(request, _("Your group is ready. Invite people from its page."))
                return redirect(group)
        else:
            status = 400
    groups = list(group_selectors.groups_for_user(user=request.user))
    for g in groups:
        g.my_role_label = GroupRole(g.my_role).label
    return render(
        request, "annotations/groups/list.html", {"groups": groups, "form": form}, status=status
    )


GROUP_ACTIONS = ("join", "leave", "add", "remove", "rotate", "rename")


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request, slug: str):
    """A group: members, recent activity and the group's annotations by source for its
    members; an open group's outside (with Join) for anyone else signed in; 404 for an
    invite-only group one is not in. POST ``action``: join, leave, add, remove, rotate."""
    view = group_selectors.group_view(viewer=request.user, slug=slug)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        username = request.POST.get("username", "")
        try:
            if action not in GROUP_ACTIONS:
                raise ValidationError(_("Unknown action."))
            check_request_rate(request, "group")
            if action == "join":
                services.group_join(user=request.user, group=view.group)
                messages.success(request, _("You joined the group."))
            elif action == "leave":
                services.group_leave(user=request.user, group=view.group)
                messages.success(request, _("You left the group."))
                return redirect("annotations:group_list")
            elif action == "add":
                services.group_member_add(
                    actor=request.user,
                    group=view.group,
                    username=username,
                    role=request.POST.get("role") or GroupRole.MEMBER,
                )
                messages.success(request, _("Saved."))
            elif action == "remove":
                services.group_member_remove(
                    actor=request.user, group=view.group, username=username
                )
                messages.success(request, _("Removed."))
            elif action == "rename":
                services.group_rename(
                    actor=request.user,
                    group=view.group,
                    name=request.POST.get("name", ""),
                    description=request.POST.get("description", ""),
                )
                messages.success(request, _("Saved."))
            elif action == "rotate":
                services.group_invite_rotate(actor=request.user, group=view.group)
                messages.success(
                    request, _("A new invite link is ready; the old one stopped working.")
                )
            return redirect(view.group)
        except RateLimited as exc:
            messages.error(request, str(exc))
            status = 429
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do that."))
            status = 403
        except ValidationError as exc:
            _group_error(request, exc)
            status = 400
        view = group_selectors.group_view(viewer=request.user, slug=slug)
    context = {"view": view, "group": view.group, "roles": GroupRole.choices}
    if view.is_member:
        context.update(
            role_label=GroupRole(view.role).label,
            members=group_selectors.group_members(group=view.group),
            recent=group_selectors.group_annotations(viewer=request.user, group=view.group)[
                : group_selectors.RECENT_LIMIT
            ],
            sources=group_selectors.group_sources(viewer=request.user, group=view.group),
        )
        if view.owns:
            from .api.groups import invite_url

            context["invite_url"] = invite_url(view.group)
        if view.manages:
            context["log"] = group_selectors.group_log(group=view.group)
    else:
        context["member_count"] = group_selectors.member_count(group=view.group)
    return render(request, "annotations/groups/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def group_join(request, slug: str, token: str):
    """The invite link: GET shows the invitation (a 404 once the link was replaced),
    POST joins."""
    view = group_selectors.group_view(viewer=request.user, slug=slug, invite_token=token)
    if view.is_member:
        return redirect(view.group)
    if not view.invited:
        raise Http404("No such group.")
    status = 200
    if request.method == "POST":
        try:
            check_request_rate(request, "group")
            services.group_join(user=request.user, group=view.group, invite=token)
        except RateLimited as exc:
            messages.error(request, str(exc))
            status = 429
        except ValidationError as exc:
            _group_error(request, exc)
            status = 400
        else:
            messages.success(request, _("You joined the group."))
            return redirect(view.group)
    return render(
        request,
        "annotations/groups/join.html",
        {
            "group": view.group,
            "member_count": group_selectors.member_count(group=view.group),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_delete(request, slug: str):
    """``/groups/<slug>/delete/``: GET asks the owner to confirm and says what happens to
    the group's notes (each becomes private to its author, never public); POST deletes.
    Members who are not owners: 403; anyone else: 404 (as the group page)."""
    view = group_selectors.group_view(viewer=request.user, slug=slug)
    if not view.is_member:
        raise Http404("No such group.")
    if not view.owns:
        raise PermissionDenied(_("Only the group's owners can delete it."))
    if request.method == "POST":
        try:
            check_request_rate(request, "group")
            count = services.group_delete(actor=request.user, group=view.group)
        except RateLimited as exc:
            messages.error(request, str(exc))
            return redirect(view.group)
        messages.success(
            request,
            ngettext(
                "The group was deleted. Its %(n)s note is now private to its author.",
                "The group was deleted. Its %(n)s notes are now each private to their author.",
                count,
            )
            % {"n": count},
        )
        return redirect("annotations:group_list")
    return render(
        request,
        "annotations/groups/delete.html",
        {
            "group": view.group,
            "member_count": group_selectors.member_count(group=view.group),
            "note_count": group_selectors.group_note_count(group=view.group),
        },
    )


# --- The highlight legend (the site's global moderators) -----------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def legend(request):
    """``/reader/legend/``: the reader's colour legend, one form per entry and one to add.
    POST ``action`` = add | update | delete (``entry`` = its id). Global moderators only
    (403 otherwise, the services check it again); each change is audit-logged."""
    from apps.moderation.permissions import is_global_moderator

    from .forms import LegendEntryForm
    from .legend_selectors import legend_entries
    from .models import HighlightColour, HighlightLegendEntry

    if not is_global_moderator(request.user):
        raise PermissionDenied
    add_form, status, failed = LegendEntryForm(prefix="new"), 200, None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("add", "update", "delete"):
            return HttpResponseBadRequest(_("Unknown action."))
        entry = None
        if action != "add":
            entry = HighlightLegendEntry.objects.filter(pk=_int(request.POST.get("entry"))).first()
            if entry is None:
                raise Http404
        form = LegendEntryForm(request.POST, prefix=f"e{entry.pk}" if entry else "new")
        try:
            if action == "delete":
                services.legend_entry_delete(actor=request.user, entry=entry)
            elif form.is_valid() and action == "add":
                services.legend_entry_create(actor=request.user, **form.cleaned_data)
            elif form.is_valid():
                services.legend_entry_update(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        if action != "delete" and form.errors:
            status = 400
            if entry is None:
                add_form = form
            else:
                failed = (entry.pk, form)
        else:
            messages.success(request, _("The legend was saved."))
            return redirect("annotations:legend")
    rows = []
    for entry in legend_entries():
        if failed and failed[0] == entry.pk:
            rows.append((entry, failed[1]))
        else:
            initial = {
                name: getattr(entry, name)
                for name in ("tag", "match", "colour", "label", "position")
            }
            rows.append((entry, LegendEntryForm(prefix=f"e{entry.pk}", initial=initial)))
    return render(
        request,
        "annotations/legend.html",
        {"rows": rows, "add_form": add_form, "colours": HighlightColour.choices},
        status=status,
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
