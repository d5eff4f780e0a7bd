"""Summarise locust's CSV: throughput, p50/p95/p99, errors; exit 1 if any request failed."""

import csv
import sys

stats_path, failures_path = sys.argv[1], sys.argv[2]
with open(stats_path) as handle:
    rows = list(csv.DictReader(handle))
total = next(r for r in rows if r["Name"] == "Aggregated")
print(
    f"\n{'endpoint':<22} {'requests':>9} {'fails':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
)
for row in rows:
    print(
        f"{row['Name']:<22} {row['Request Count']:>9} {row['Failure Count']:>6} "
        f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
    )
failures = int(total["Failure Count"])
print(f"\nthroughput {float(total['Requests/s']):.1f} req/s, errors {failures} (goal: 0)")
if failures:
    with open(failures_path) as handle:
        for row in list(csv.DictReader(handle))[:10]:
            print(f"  {row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error'][:160]}")
sys.exit(1 if failures else 0)
