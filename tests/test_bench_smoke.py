"""The benchmark suite runs end to end (issue 10 item 1: CI runs it once, small, with no timing
assertions): ``bench/run.py --smoke`` on a 2,000-escalation floor, one run, in a subprocess.

It proves the suite still drives every screen, command and peer it reports (a renamed screen
hook or a broken command shows up here as a missing figure), not how fast they are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCREENS = [
    "tui.cold_start",
    "tui.end",
    "tui.pagedown",
    *(f"tui.filter.{f}" for f in ("status", "category", "mine", "unclaimed", "overdue", "site")),
    "tui.search",
    "tui.search_count",
    "tui.detail",
    "tui.f3_queue",
    "tui.f5_month",
    "tui.f5_month_change",
    "tui.f7_overdue",
    "tui.f6_dashboard",
    "tui.f6_refresh",
    "tui.f8_contacts",
    "pty.cold_start",
]
COMMANDS = ["cli.overdue", "cli.list", "cli.due", *(f"cli.summary.{f}" for f in ("text", "md", "csv", "json"))]
SERVICES = [
    "svc.list_page",
    "svc.page_before_end",
    "svc.count",
    "svc.calendar.month_grid",
    "svc.dashboard",
    "svc.overdue",
]
RSS = [f"rss.{s}" for s in ("queue", "f3", "calendar", "overdue", "dashboard", "contacts", "tui_pty", "cli.overdue")]


def test_bench_smoke_writes_every_figure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env["HOME"] = str(tmp_path / "home")
    out = tmp_path / "out"
    done = subprocess.run(
        [
            *(sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--sizes", "2000", "--runs", "1"),
            *("--cache", str(tmp_path / "cache"), "--out", str(out)),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text())
    assert results["machine"]["nproc"] and results["machine"]["textual"]
    values = {f["name"]: f for f in results["figures"] if f["size"] == 2000}
    for name in [*SCREENS, *COMMANDS, *SERVICES, *RSS, "peer.datatable", "floor.demo"]:
        assert name in values, f"{name} missing from results.json"
        assert values[name]["median"] is not None, f"{name}: {values[name]['skipped'] or 'no value'}"
        assert values[name]["runs"] == 1 and values[name]["command"]
    assert "peer.fastdatatable" in values  # measured, or skipped saying it is not installed
    text = (out / "BENCHMARKS.md").read_text()
    assert "<!-- bench:start -->" in text and "<!-- bench:end -->" in text and "| figure |" in text
