"""Setting "researched, none found" from the country page: a small form for the
country's moderators (GET shows it, POST applies it and returns to the country page)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_countries import countries

from apps.common.forms import attach_errors

from ..entries.selectors import categories
from ..permissions import can_mark_research_status
from . import services
from .selectors import research_statuses


class ResearchStatusForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    action = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            ("mark", gettext_lazy("Researched, none found")),
            ("clear", gettext_lazy("Clear (not researched, or entries found)")),
        ],
        widget=forms.RadioSelect,
        initial="mark",
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=services.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was searched, or why it is cleared. Shown with the status."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.slug, c.name) for c in categories()]


@login_required
@require_http_methods(["GET", "POST"])
def research_status_set(request, code: str):
    code = (code or "").upper()
    # A long code is no country (django-countries would int() a long digit string).
    if len(code) > 3 or not countries.alpha2(code):
        raise Http404(_("Unknown country code."))
    code = countries.alpha2(code)
    if not can_mark_research_status(request.user, code):
        raise PermissionDenied(_("Only moderators of this country can set its research status."))
    form = ResearchStatusForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.research_status_mark(
                    actor=request.user,
                    country=code,
                    category=form.cleaned_data["category"],
                    none_found=form.cleaned_data["action"] == "mark",
                    note=form.cleaned_data["reason"],
                    require_reason=True,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Research status saved."))
                return redirect(reverse("atlas:country", kwargs={"code": code}) + "#research")
    context = {
        "form": form,
        "code": code,
        "name": str(countries.name(code)),
        "research": list(research_statuses(country=code)),
    }
    return render(request, "atlas/research_status_form.html", context, status=status)
