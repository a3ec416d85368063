"""Costs: budgets, reservations, and a monthly report by department.

Usage for three users in two departments over a simulated month (manual
clock), with a department budget that warns at 80 % and a per-user daily
hard limit; then the budget status, the report, and budget events.

    python examples/python/cost_report.py
"""

from __future__ import annotations

from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import vallum

CONFIG: Dict[str, Any] = {"costManagement": {"timeZone": "Europe/Berlin", "budgets": [
    {"id": "engineering", "level": "department", "subject": "engineering", "period": "monthly",
     "limitMicros": 1_500_000, "warningThreshold": 0.8},
    {"id": "per-user-daily", "level": "user", "period": "daily", "limitMicros": 40_000},
]}}
USERS = {"alice": "engineering", "bob": "engineering", "carol": "support"}
MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"]
DAY_MS = 86_400_000
BERLIN = ZoneInfo("Europe/Berlin")  # instants are aware UTC datetimes; show them locally


def main() -> None:
    events: List[Dict[str, Any]] = []
    v = vallum.Vallum(config=CONFIG, master_key=bytes(range(32)), in_memory=True,
                      clock_ms=1_767_225_600_000)  # 2026-01-01
    v.subscribe(None, lambda e: events.append(e) if e["type"].startswith("budget") else None)

    refused = 0
    for day in range(28):
        for i, (user, dept) in enumerate(USERS.items()):
            model = MODELS[(day + i) % len(MODELS)]
            usage = {"model": model, "input_tokens": 6_000 + 500 * i, "output_tokens": 1_500,
                     "attribution": {"user": user, "department": dept}}
            try:
                hold = v.costs.reserve(usage)       # before the model call
            except vallum.BudgetExceeded:
                refused += 1
                continue
            v.costs.settle(hold, usage)            # after it, with the actual tokens
        v.advance_clock(DAY_MS)

    for s in v.costs.budget_status():
        print(f"{s['budget']:>15} {s.get('subject') or '':<12} spent ${s['spentMicros'] / 1e6:7.4f}"
              f" of ${s['limitMicros'] / 1e6:.2f}  period from {s['periodStart'].astimezone(BERLIN):%Y-%m-%d}")
    report = v.costs.report("monthly", "department")
    print(f"month to {report['generatedAt']:%Y-%m-%d}: ${report['totalMicros'] / 1e6:.4f}, "
          f"projected ${report['projectedMicros'] / 1e6:.4f}")
    for g in report["groups"]:
        print(f"  {g['key']:<12} ${g['costMicros'] / 1e6:.4f} ({g['requests']} requests)")
    for s in report.get("suggestions", [])[:3]:
        print(f"  suggestion: {s['model']} -> {s['alternative']} saves "
              f"${s['savingsMicros'] / 1e6:.4f}")
    print(f"refused by a hard limit: {refused}; budget events: "
          f"{sorted({e['type'] for e in events})}")


if __name__ == "__main__":
    main()
