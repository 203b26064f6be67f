"""Benchmark: 100,000 deadline computations without explain (issue 2, target under 0.5 s).

Inputs are varied and deterministic: every category, every built-in site,
instants spread over two years, some referred, some with a follow-up recorded,
some system issues with an EPED, some actioned or finalised. One untimed warm-up
run builds the cached holiday years, as a long-running desk would have; then
five timed runs, and the median is printed.

    .venv/bin/python bench/bench_deadlines.py [--n 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.deadlines import compute
from tpsdesk.policy import CATEGORIES, load_policy

START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_MINUTES = 2 * 365 * 24 * 60


def calendars() -> list[SiteCalendar]:
    policy = load_policy(use_override=False)
    return [
        SiteCalendar(code, site["zone"], site["state"], policy.open_time, policy.cob_time)
        for code, site in policy.sites().items()
    ] + [
        # A site with its own hours and a proclaimed extra day (C2, C3).
        SiteCalendar(
            "PERX",
            "Australia/Perth",
            "WA",
            clock_time(7, 30),
            clock_time(16, 30),
            extra=frozenset({date(2026, 12, 24), date(2027, 12, 24)}),
        ),
    ]


def inputs(n: int, seed: int = 20260925) -> list[tuple[Any, ...]]:
    rnd = random.Random(seed)
    policy = load_policy(use_override=False)
    cats = [policy.categories[key] for key in CATEGORIES]
    cals = calendars()
    out = []
    for _ in range(n):
        cat = rnd.choice(cats)
        cal = rnd.choice(cals)
        raised = START + timedelta(minutes=rnd.randrange(SPAN_MINUTES))
        kw: dict[str, Any] = {}
        roll = rnd.random()
        if roll < 0.45:
            referred = raised + timedelta(minutes=rnd.randrange(10 * 24 * 60))
            kw["referred_at"] = referred
            if rnd.random() < 0.4:
                kw["last_follow_up_at"] = referred + timedelta(minutes=rnd.randrange(30 * 24 * 60))
            kw["open_follow_ups"] = True
        elif roll < 0.55:
            kw["actioned_at"] = raised + timedelta(minutes=rnd.randrange(48 * 60))
        elif roll < 0.6:
            kw["finalised"] = True
        if cat.key == "system" and rnd.random() < 0.6:
            kw["eped"] = (raised + timedelta(days=rnd.randrange(-5, 40))).date()
        out.append((cat, raised, cal, kw))
    return out


def run_once(cases: list[tuple[Any, ...]]) -> tuple[float, float]:
    """Wall time and this process's CPU time (the steadier figure on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for cat, raised, cal, kw in cases:
        compute(cat, raised, cal, explain=False, **kw)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = inputs(args.n)
    run_once(cases)  # warm-up: builds the cached holiday years
    runs = [run_once(cases) for _ in range(args.runs)]
    wall = [w for w, _ in runs]
    cpu = [c for _, c in runs]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{args.n} compute(explain=False) calls: median {statistics.median(wall):.3f} s wall "
        f"(min {min(wall):.3f}, max {max(wall):.3f}), median {statistics.median(cpu):.3f} s CPU, "
        f"over {args.runs} runs; load average {load:.1f}"
    )


if __name__ == "__main__":
    main()
