"""The home page: it shows the founding paper (sources) and the atlas headline (atlas),
so it lives above both, in the site layer."""

from django.shortcuts import render

from apps.atlas.aggregates import selectors as atlas_selectors
from apps.common.http_cache import public_page
from apps.common.public import public_view
from apps.sources import selectors as source_selectors

FOUNDING_PAPER_SLUG = "wong-2021-social-credit"


# What the home page shows: the founding paper's record and the atlas headline.
HOME_DEPENDS_ON = (
    "sources.Source",
    "sources.Document",
    "accounts.User",
    "atlas.Example",
    "atlas.Category",
    "atlas.CountryResearchStatus",
    "moderation.HiddenContent",
    "moderation.UserModerationState",
    "contenttypes.ContentType",
)


@public_view
@public_page(depends_on=HOME_DEPENDS_ON)
def home(request):
    paper = source_selectors.source_list().filter(slug=FOUNDING_PAPER_SLUG).first()
    context = {"paper": paper, "atlas_headline": atlas_selectors.headline()}
    return render(request, "home.html", context)
