"""The editors' page of an entry's lifecycle changes (/atlas/examples/<id>/lifecycle/):
the dated changes with their evidence, a form to record one (or, with ``?edit=<id>``,
to correct one), and a button to remove one recorded by mistake. POST ``action=add``
(the form), ``action=edit`` (the form and ``event``) or ``action=delete`` (``event``).
The latest change sets the entry's coded lifecycle (services.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from apps.common.validators import as_id

from ..entries.selectors import example_get
from ..permissions import can_edit, needs_review
from . import services
from .models import EVENT_STATES, EVIDENCE_TITLE_MAX_LENGTH, NOTE_MAX_LENGTH


class LifecycleEventForm(forms.Form):
    state = forms.ChoiceField(label=gettext_lazy("Changed to"), choices=EVENT_STATES)
    date = forms.CharField(
        label=gettext_lazy("Date"), max_length=10,
        help_text=gettext_lazy("A year (2014), a month (2014-06) or a day (2014-06-14)."),
    )  # fmt: skip
    evidence_title = forms.CharField(
        label=gettext_lazy("Evidence"), max_length=EVIDENCE_TITLE_MAX_LENGTH,
        help_text=gettext_lazy("The title of the source that dates this change."),
    )  # fmt: skip
    evidence_url = forms.CharField(label=gettext_lazy("Evidence URL"), max_length=1000)
    evidence_publisher = forms.CharField(
        label=gettext_lazy("Publisher"), max_length=300, required=False
    )
    evidence_published = forms.CharField(
        label=gettext_lazy("Publication date"), max_length=10, required=False,
        help_text=gettext_lazy("YYYY-MM-DD, if known."),
    )  # fmt: skip
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=NOTE_MAX_LENGTH, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    reason = forms.CharField(
        label=gettext_lazy("Reason (for the moderation log)"), max_length=1000, required=False,
        help_text=gettext_lazy("Optional: a summary of the change is logged anyway."),
    )  # fmt: skip

    def event_data(self) -> services.LifecycleEventData:
        values = dict(self.cleaned_data)
        values.pop("reason", None)
        return services.LifecycleEventData(**values)


@login_required
@require_http_methods(["GET", "POST"])
def example_lifecycle(request, pk: int):
    example = example_get(viewer=request.user, example_id=pk)
    if not can_edit(user=request.user, example=example) or needs_review(
        user=request.user, example=example
    ):
        raise PermissionDenied(_("You may not change the lifecycle of this entry."))
    action = request.POST.get("action") if request.method == "POST" else ""
    editing = None
    edit_id = request.POST.get("event") if action == "edit" else request.GET.get("edit")
    if edit_id is not None and action != "delete":
        editing = example.lifecycle_events.filter(pk=as_id(edit_id)).first()
        if editing is None and action == "edit":
            raise Http404(_("No such change of this entry."))
    initial = services.event_json(editing) if editing is not None else None
    form = LifecycleEventForm(
        request.POST if action in ("add", "edit") else None, initial=initial,
        auto_id="lifecycle-%s",
    )  # fmt: skip
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if action == "delete":
                event = example.lifecycle_events.filter(pk=as_id(request.POST.get("event"))).first()
                if event is None:
                    raise ValidationError(_("No such change of this entry."))
                services.lifecycle_event_delete(
                    actor=request.user, event=event, reason=request.POST.get("reason", "")[:1000]
                )
                messages.success(request, _("The change was removed."))
                return redirect("atlas:example_lifecycle", pk=example.pk)
            if form.is_valid():
                if editing is not None:
                    services.lifecycle_event_update(
                        actor=request.user, event=editing, data=form.event_data(),
                        reason=form.cleaned_data["reason"],
                    )  # fmt: skip
                    messages.success(request, _("The change was corrected."))
                else:
                    services.lifecycle_event_add(
                        actor=request.user, example=example, data=form.event_data(),
                        reason=form.cleaned_data["reason"],
                    )  # fmt: skip
                    messages.success(request, _("The change was recorded."))
                return redirect("atlas:example_lifecycle", pk=example.pk)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for key, errors in exc.message_dict.items():
                    name = key.rsplit(".", 1)[-1]
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.error(request, " ".join(exc.messages))
    context = {
        "example": example,
        "events": list(example.lifecycle_events.all()),
        "form": form,
        "editing": editing,
    }
    return render(request, "atlas/lifecycle_form.html", context, status=status)
