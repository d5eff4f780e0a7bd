from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def csrf_placeholder(request):
    """While a page is rendered for the page cache, its CSRF token is a placeholder that
    each response replaces with the visitor's own (apps/common/page_cache.py). Listed
    after Django's built-in ``csrf`` processor, whose value this overrides."""
    placeholder = getattr(request, "_csrf_placeholder", None)
    return {"csrf_token": placeholder} if placeholder else {}
