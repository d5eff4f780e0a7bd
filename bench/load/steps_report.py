"""Summarise a `make load-steps` run: per step throughput, p50/p95/p99, errors and the
slowest endpoint, then the knee: the highest step with no error and an overall p95
within LOAD_P95_GOAL_MS (default 300 ms). Exit 1 if even the first step misses it."""

import csv
import os
import sys
from pathlib import Path

out = Path(sys.argv[1])
goal_ms = float(os.environ.get("LOAD_P95_GOAL_MS", 300))
steps = [line.split() for line in (out / "steps.txt").read_text().splitlines() if line.strip()]

print(f"\n{'readers':>7} {'req/s':>7} {'requests':>9} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} "
      f"{'p99 ms':>7} {'load avg':>11}  slowest endpoint (p95)")  # fmt: skip
knee, broken = None, False
for readers, load_before, load_after in steps:
    with open(out / f"step-{readers}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    slowest = max(endpoints, key=lambda r: float(r["95%"] or 0)) if endpoints else None
    errors = int(total["Failure Count"])
    p95 = float(total["95%"] or 0)
    print(
        f"{readers:>7} {float(total['Requests/s']):>7.1f} {int(total['Request Count']):>9,} "
        f"{errors:>7} {total['50%']:>7} {total['95%']:>7} {total['99%']:>7} "
        f"{load_before:>5}→{load_after:<5}  "
        + (f"{slowest['Name']} ({slowest['95%']} ms)" if slowest else "")
    )
    # The knee is the last step of the unbroken run of good steps from the first.
    if errors == 0 and p95 <= goal_ms and not broken:
        knee = readers
    else:
        broken = True
    if errors:
        with open(out / f"step-{readers}_failures.csv") as handle:
            for row in list(csv.DictReader(handle))[:3]:
                print(f"{'':>9}{row['Occurrences']}× {row['Method']} {row['Name']}: "
                      f"{row['Error'][:120]}")  # fmt: skip

if knee is None:
    print(f"\nknee: none (even the first step had errors or p95 > {goal_ms:g} ms)")
    sys.exit(1)
print(f"\nknee: {knee} readers + 5 writers (highest step with 0 errors and p95 ≤ "
      f"{goal_ms:g} ms, every step below it too)")  # fmt: skip
