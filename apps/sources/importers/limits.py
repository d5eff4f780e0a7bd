"""What an import may cost, and the messages for an import that passed a limit.

Checks before parsing (pdf_structure) refuse the shapes known to explode. What they miss
is bounded while it runs: the PDF layout pass in a child process under
``SOURCE_IMPORT_MAX_MEMORY_MB`` of address space and ``SOURCE_IMPORT_SOFT_TIME_LIMIT``
seconds (pdf_layout), and the whole import task under Celery's soft and hard time limits
(apps/sources/tasks.py). Each ends as a failed document whose message says the file
"could not be processed", never as a retry.
"""

from __future__ import annotations

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from .base import ImportRejected

# Raised in the importing process itself: Celery's soft time limit (a signal handler
# raises it wherever the import is), Python running out of memory or of stack.
RESOURCE_ERRORS = (SoftTimeLimitExceeded, MemoryError, RecursionError)


def time_limit_message() -> str:
    return _(
        "This file could not be processed: reading it took longer than the %(seconds)d "
        "seconds an import may take. If it is a PDF, print it to a new PDF (or save its "
        "text) and upload that."
    ) % {"seconds": settings.SOURCE_IMPORT_SOFT_TIME_LIMIT}


def memory_limit_message() -> str:
    return _(
        "This file could not be processed: reading it needed more than the %(megabytes)d MB "
        "of memory an import may use. If it is a PDF, print it to a new PDF (or save its "
        "text) and upload that."
    ) % {"megabytes": settings.SOURCE_IMPORT_MAX_MEMORY_MB}


def nesting_limit_message() -> str:
    return _(
        "This file could not be processed: its content is nested too deeply to be read "
        "safely. If it is a PDF, print it to a new PDF (or save its text) and upload that."
    )


def rejection_for(exc: BaseException) -> ImportRejected:
    """The ImportRejected for one of RESOURCE_ERRORS."""
    if isinstance(exc, RecursionError):
        return ImportRejected(nesting_limit_message())
    if isinstance(exc, MemoryError):
        return ImportRejected(memory_limit_message())
    return ImportRejected(time_limit_message())
