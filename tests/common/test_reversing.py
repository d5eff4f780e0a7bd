"""apps/common/reversing.py: a remembered reverse() is exactly reverse()."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from apps.common.reversing import _reverse, cached_reverse

urlpatterns: list = []  # the empty URL configuration of the last test


def test_it_returns_what_reverse_returns_and_remembers_it():
    _reverse.cache_clear()
    for slug in ("wong-2021", "a_b-9", "wong-2021"):
        assert cached_reverse("sources:reader", slug=slug) == reverse(
            "sources:reader", kwargs={"slug": slug}
        )
    assert cached_reverse("atlas:example", pk=12, slug="-") == reverse(
        "atlas:example", kwargs={"pk": 12, "slug": "-"}
    )
    assert _reverse.cache_info().hits == 1


def test_bad_arguments_fail_as_with_reverse():
    with pytest.raises(NoReverseMatch):
        cached_reverse("sources:reader", slug="not/a slug")


def test_the_script_prefix_is_part_of_the_answer():
    try:
        set_script_prefix("/site/")
        assert cached_reverse("sources:reader", slug="x") == "/site/sources/x/"
    finally:
        set_script_prefix("/")
    assert cached_reverse("sources:reader", slug="x") == "/sources/x/"


def test_a_new_url_configuration_is_not_answered_from_memory():
    cached_reverse("sources:reader", slug="x")
    with override_settings(ROOT_URLCONF=__name__), pytest.raises(NoReverseMatch):
        # This module's URL configuration is empty: reverse() fails there, so must this.
        cached_reverse("sources:reader", slug="x")
    assert cached_reverse("sources:reader", slug="x") == reverse(
        "sources:reader", kwargs={"slug": "x"}
    )
