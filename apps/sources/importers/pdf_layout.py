"""Run pdfminer.six's layout pass in a fresh child process with a memory and time cap.

Celery's ``worker_max_memory_per_child`` replaces a worker process only *after* its task
returns, and a layout pass that allocates 3 GB never returns in time; the kernel's
out-of-memory killer would then pick a process, maybe not this one. So the pass runs in
a child of its own (pdf_layout_child.py, started per import: nothing carries over from
one file to the next) whose address space is capped at ``SOURCE_IMPORT_MAX_MEMORY_MB``
and which is killed after ``SOURCE_IMPORT_SOFT_TIME_LIMIT`` seconds. Either ends as
ImportRejected with a "could not be processed" message, and the process that started it,
a Celery worker or, with eager tasks (``make run``), the web process, lives on.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from . import pdf_layout_child as child
from .base import ImportRejected
from .limits import memory_limit_message, nesting_limit_message, time_limit_message

logger = logging.getLogger(__name__)

CHILD_SCRIPT = Path(child.__file__)


def run_layout(data: bytes, *, max_pages: int) -> list[list[list]]:
    """Per page, the text boxes as [text, type size, lines, in_margin]. Raises
    ImportRejected when the file is damaged or passes the memory or time cap."""
    seconds = settings.SOURCE_IMPORT_SOFT_TIME_LIMIT
    megabytes = settings.SOURCE_IMPORT_MAX_MEMORY_MB
    command = [
        sys.executable,
        "-I",
        str(CHILD_SCRIPT),
        str(megabytes),
        str(seconds),
        str(max_pages),
    ]
    try:
        # On a timeout (or Celery's soft time limit arriving meanwhile) run() kills the
        # child before it raises.
        result = subprocess.run(command, input=data, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        logger.warning("PDF layout pass killed after %s s", seconds)
        raise ImportRejected(time_limit_message()) from exc
    if result.returncode == 0:
        return json.loads(result.stdout)["pages"]
    stderr = result.stderr.decode("utf-8", "replace")[-2000:]
    logger.warning("PDF layout pass failed (exit %s): %s", result.returncode, stderr)
    if result.returncode == 1:
        # An uncaught exception before the pass began (the child could not start
        # pdfminer): our fault, not the file's; the import reports an internal error.
        raise RuntimeError(f"The PDF layout process failed to start: {stderr}")
    if result.returncode == child.EXIT_RECURSION:
        raise ImportRejected(nesting_limit_message())
    if result.returncode == child.EXIT_DAMAGED:
        raise ImportRejected(_("This PDF is damaged and could not be read."))
    if result.returncode == -signal.SIGXCPU:
        raise ImportRejected(time_limit_message())
    # EXIT_MEMORY, or killed by a signal: out of memory in C code ends in an abort.
    raise ImportRejected(memory_limit_message())
