"""Writes of the coding app. Callers write ``services.citations_replace`` etc.; the
modules import each other directly."""

from .citations import (
    CitationData,
    check_required_citations,
    citation_check,
    citations_replace,
    citations_unchanged,
    may_cite,
)
from .codebook import codebook_change, record_entry_codebook
from .double_coding import (
    coding_request_batch,
    coding_request_create,
    coding_save_mine,
    reconcile,
)
from .reanchoring import citations_reanchor

__all__ = [
    "CitationData",
    "check_required_citations",
    "citation_check",
    "citations_unchanged",
    "may_cite",
    "citations_reanchor",
    "citations_replace",
    "codebook_change",
    "coding_request_batch",
    "coding_request_create",
    "coding_save_mine",
    "reconcile",
    "record_entry_codebook",
]
