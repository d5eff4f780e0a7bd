"""The home page: it shows the founding paper (sources) and the atlas headline (atlas),
so it lives above both, in the site layer."""

from django.shortcuts import render

from apps.atlas.aggregates import selectors as atlas_selectors
from apps.common.page_cache import anonymous_page_cache
from apps.common.public import public_view
from apps.sources import selectors as source_selectors

FOUNDING_PAPER_SLUG = "wong-2021-social-credit"


@public_view
@anonymous_page_cache
def home(request):
    paper = source_selectors.source_list().filter(slug=FOUNDING_PAPER_SLUG).first()
    context = {"paper": paper, "atlas_headline": atlas_selectors.headline()}
    return render(request, "home.html", context)
