"""Model texts in every interface language (ADR 0012): django-modeltranslation adds
``name_en``, ``name_de``, ``name_zh_hans`` (and the same for ``description``) beside the
original column, and ``category.name`` reads the current language's, falling back to
English. The codebook's texts are code (codebook.py), so they live in the catalogues."""

from modeltranslation.translator import TranslationOptions, register

from .models import Category


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "description")
