"""Hostile uploads: decompression bombs fail fast, with a clear message, in bounded
memory. Oversize files, wrong types and deeply nested HTML are covered where the
importers are tested (tests/sources/test_importers.py, test_services.py, test_views.py:
"oversize", "nested too deeply", unsupported types)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.sources.importers import pdf
from apps.sources.importers.base import ImportRejected
from apps.sources.importers.pipeline import extract

from .hostile_files import decompression_bomb_pdf

ROOT = Path(__file__).resolve().parents[2]
BOMB_MESSAGE = "expand to more than 100 MB when decompressed"


@pytest.mark.parametrize(
    ("pages", "megabytes_per_page"),
    [
        pytest.param(1, 300, id="one 300 MB page (over pypdf's per-stream cap)"),
        pytest.param(3, 60, id="three 60 MB pages (each under the cap, 180 MB in total)"),
    ],
)
def test_decompression_bomb_is_rejected_by_the_importer(pages, megabytes_per_page):
    data = decompression_bomb_pdf(pages=pages, megabytes_per_page=megabytes_per_page)
    assert len(data) < 1_000_000  # the attack: a small file
    started = time.monotonic()
    with pytest.raises(ImportRejected, match=BOMB_MESSAGE):
        extract(data)
    assert time.monotonic() - started < 30


def test_decompression_bomb_is_rejected_by_the_upload_precheck():
    with pytest.raises(ImportRejected, match=BOMB_MESSAGE):
        pdf.precheck_pdf(decompression_bomb_pdf(megabytes_per_page=300))


# Measured in a fresh interpreter so the peak resident size is the import's alone.
_MEASURE = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
import django
django.setup()
from apps.sources.importers.base import ImportRejected
from apps.sources.importers.pipeline import extract
from tests.security.hostile_files import decompression_bomb_pdf
data = decompression_bomb_pdf(megabytes_per_page=1000)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
try:
    extract(data)
    outcome = "accepted"
except ImportRejected as exc:
    outcome = str(exc.message)
print(json.dumps({{
    "outcome": outcome,
    "seconds": time.monotonic() - started,
    "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "before_kb": before,
    "size": len(data),
}}))
"""


def test_gigabyte_bomb_is_rejected_in_bounded_time_and_memory():
    """A ~1 MB file that would expand to 1 GB: rejected in seconds, and the process never
    holds more than pypdf's 75 MB per-stream cap (plus working copies) of it."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(root=str(ROOT))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert BOMB_MESSAGE in figures["outcome"]
    assert figures["seconds"] < 30
    assert figures["peak_kb"] - figures["before_kb"] < 400 * 1024, figures
