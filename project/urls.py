"""URL map. Each app owns two lists in its urls.py: ``urlpatterns`` (HTML pages, under its
prefix here) and ``api_urlpatterns`` (under /api/)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.accounts import urls as accounts_urls
from apps.accounts import views as accounts_views
from apps.accounts.admin_login import admin_login
from apps.annotations import urls as annotations_urls
from apps.atlas import urls as atlas_urls
from apps.coding import urls as coding_urls
from apps.common import views as common_views
from apps.moderation import urls as moderation_urls
from apps.notifications import urls as notifications_urls
from apps.releases import urls as releases_urls
from apps.search import urls as search_urls
from apps.site import views as site_views
from apps.sources import urls as sources_urls

api_urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *sources_urls.api_urlpatterns,
    *accounts_urls.api_urlpatterns,
    *annotations_urls.api_urlpatterns,
    *atlas_urls.api_urlpatterns,
    *coding_urls.api_urlpatterns,
    *moderation_urls.api_urlpatterns,
    *search_urls.api_urlpatterns,
    *releases_urls.api_urlpatterns,
]

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    # No language prefix in any URL (ADR 0012): the switcher POSTs here, which sets the
    # language cookie and goes back to ``next``.
    path("i18n/setlang/", accounts_views.language_set, name="set_language"),
    path("jsi18n/", common_views.javascript_catalog, name="javascript-catalog"),
    path("sources/", include(sources_urls)),
    # Before allauth's own: the same page, keeping ``next`` across browsers.
    path(
        "accounts/confirm-email/<str:key>/",
        accounts_views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("", include(accounts_urls)),
    path("", include(notifications_urls)),
    path("", include(annotations_urls)),
    path("atlas/releases/", include(releases_urls)),
    path("atlas/", include(atlas_urls)),
    path("coding/", include(coding_urls)),
    path("moderation/", include(moderation_urls)),
    path("", include(search_urls)),
    path("api/", include(api_urlpatterns)),
    # Before the admin's own patterns: its log-in counts against allauth's lock-out.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler400 = "apps.common.views.bad_request"
handler403 = "apps.common.views.permission_denied"
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
