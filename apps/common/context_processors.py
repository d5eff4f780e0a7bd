from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.SITE_NAME}


def public_page(request):
    """On a public page (apps/common/public.py) ``{% csrf_token %}`` renders nothing: the
    page is the same for every visitor, and reading the token would set the CSRF cookie
    (a ``Set-Cookie`` a shared cache must not keep). static/js/site.js adds the token from
    the ``csrftoken`` cookie when a form is submitted. Listed after Django's built-in
    ``csrf`` processor, whose value this overrides."""
    if getattr(request, "public_page", False):
        return {"csrf_token": "NOTPROVIDED", "public_page": True}
    return {"public_page": False}
