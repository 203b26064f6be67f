"""The results: medians and worst runs, our/peer ratios, ``results.json`` and the table in
``BENCHMARKS.md`` (between the markers; figures are never edited by hand)."""

from __future__ import annotations

import json
import os
import platform
import re
import sqlite3
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

START, END = "<!-- bench:start -->", "<!-- bench:end -->"

# Issue 10's targets at 1,000,000 escalations: (median limit, worst limit or None), per figure.
FAST = (0.1, 0.3)
TARGETS: dict[str, tuple[float, float | None]] = {
    "tui.f3_queue": (0.25, None),
    "tui.cold_start": (0.7, None),
    "pty.cold_start": (0.7, None),
    "tui.end": FAST,
    "tui.pagedown": FAST,
    "tui.search": FAST,
    "tui.search_count": FAST,
    "tui.detail": FAST,
    "tui.f5_month": (0.15, None),
    "tui.f5_month_change": (0.15, None),
    "tui.f7_overdue": (0.1, None),
    "tui.f6_dashboard": (0.2, None),
    "tui.f6_refresh": (0.2, None),
    "cli.overdue": (0.4, None),
    "cli.due": (0.25, None),
    "floor.demo": (60.0, None),
}
RSS_TARGET = 150.0  # MB, the app on any screen

LABELS = {
    "tui.cold_start": "app start to first queue rows painted (headless, from the first import)",
    "pty.cold_start": "`tpsdesk tui` in a pty: spawn to the first row on the terminal",
    "tui.f3_queue": "F3: queue first rows painted (first open, its imports included)",
    "tui.end": "End: last row painted",
    "tui.pagedown": "PageDown (slowest of 3 from the top; the 3rd fetches)",
    "tui.search": "text search: rows painted",
    "tui.search_count": "text search: count painted",
    "tui.detail": "Enter: detail painted",
    "tui.f5_month": "F5: calendar month painted",
    "tui.f5_month_change": "calendar month change (PageDown) painted",
    "tui.f7_overdue": "F7: overdue lookup painted",
    "tui.f6_dashboard": "F6: dashboard first open painted",
    "tui.f6_refresh": "dashboard refresh (r) painted",
    "tui.f8_contacts": "F8: open contacts painted",
    "floor.demo": "demo load (`tpsdesk demo --size N`)",
}


def target_of(name: str) -> tuple[float, float | None] | None:
    if name in TARGETS:
        return TARGETS[name]
    if name.startswith("tui.filter."):
        return FAST
    if name.startswith("cli.summary."):
        return (0.5, None)
    if name.startswith("rss.") and not name.startswith("rss.peer"):
        return (RSS_TARGET, None)
    return None


@dataclass
class Figure:
    name: str
    size: int
    values: list[float]  # one per run (seconds, or MB for rss.*)
    command: str
    unit: str = "s"
    note: str = ""
    skipped: str = ""  # why there is no value (a peer past 120 s, a failure)

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    @property
    def worst(self) -> float | None:
        return max(self.values) if self.values else None

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(median=self.median, worst=self.worst, runs=len(self.values))
        return out


@dataclass
class Results:
    machine: dict[str, Any]
    options: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    floors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, size: int, value: float | None, command: str, **kw: Any) -> Figure:
        for f in self.figures:
            if f.name == name and f.size == size:
                break
        else:
            f = Figure(name, size, [], command, **kw)
            self.figures.append(f)
        if value is not None:
            f.values.append(value)
        return f

    def get(self, name: str, size: int) -> Figure | None:
        return next((f for f in self.figures if f.name == name and f.size == size), None)

    def sizes(self) -> list[int]:
        return sorted({f.size for f in self.figures})

    def names(self) -> list[str]:
        """In sections: the app headless, in a pty, the CLI, peak RSS, the peers, the services."""
        seen: list[str] = []
        for f in self.figures:
            if f.name not in seen:
                seen.append(f.name)
        order = ("floor.", "tui.", "pty.", "cli.", "rss.peer.", "rss.", "peer.", "svc.")
        return sorted(seen, key=lambda n: next(i for i, p in enumerate((*order, "")) if n.startswith(p)))


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    import textual.__init__  # noqa: F401

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_mb": ram,
        "python": platform.python_version(),
        "textual": version("textual"),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _mark(f: Figure) -> str:
    t = target_of(f.name)
    if t is None or f.median is None:
        return ""
    limit, worst = t
    miss = f.median > limit or (worst is not None and f.worst is not None and f.worst > worst)
    return " ✗" if miss else ""


def _target_text(name: str) -> str:
    t = target_of(name)
    if t is None:
        return ""
    unit = "MB" if name.startswith("rss.") else "s"
    limit, worst = t
    text = f"≤ {_fmt(limit, unit)}"
    return text + (f", worst ≤ {_fmt(worst, unit)}" if worst is not None else "")


def table(results: Results) -> str:
    """Markdown: a row per figure, median / worst per size, the target (✗: missed)."""
    sizes = results.sizes()
    head = "| figure | " + " | ".join(f"{s:,}: median / worst" for s in sizes) + " | target at 1M |"
    lines = [head, "|---|" + "---|" * len(sizes) + "---|"]
    for name in results.names():
        cells = []
        for s in sizes:
            f = results.get(name, s)
            if f is None:
                cells.append("")
            elif f.skipped and not f.values:
                cells.append(f"skipped: {f.skipped}")
            else:
                cells.append(f"{_fmt(f.median, f.unit)} / {_fmt(f.worst, f.unit)}{_mark(f)}")
        lines.append(f"| {LABELS.get(name, '`' + name + '`')} | " + " | ".join(cells) + f" | {_target_text(name)} |")
    return "\n".join(lines)


PEERS = (("datatable", "Textual DataTable"), ("fastdatatable", "textual-fastdatatable"))


def ratios(results: Results) -> str:
    """Our first painted rows and peak RSS against each peer's, on the same rows."""
    lines = [
        "| size | ours: first rows / RSS | peer | peer: first rows / RSS | ours ÷ peer (time, RSS) |",
        "|---|---|---|---|---|",
    ]
    for s in results.sizes():
        ours, ours_rss = results.get("tui.cold_start", s), results.get("rss.queue", s)
        if ours is None or ours.median is None:
            continue
        for key, label in PEERS:
            peer, peer_rss = results.get(f"peer.{key}", s), results.get(f"rss.peer.{key}", s)
            if peer is None:
                continue
            if peer.median is None:
                lines.append(
                    f"| {s:,} | {_fmt(ours.median, 's')} / {_fmt(ours_rss.median if ours_rss else None, 'MB')} "
                    f"| {label} | skipped: {peer.skipped or 'no value'} | — |"
                )
                continue
            rt = ours.median / peer.median
            rr = (
                ours_rss.median / peer_rss.median
                if ours_rss and peer_rss and ours_rss.median and peer_rss.median
                else None
            )
            lines.append(
                f"| {s:,} | {_fmt(ours.median, 's')} / {_fmt(ours_rss.median if ours_rss else None, 'MB')} | {label} "
                f"| {_fmt(peer.median, 's')} / {_fmt(peer_rss.median if peer_rss else None, 'MB')} "
                f"| {rt:.2f}, {'—' if rr is None else f'{rr:.2f}'} |"
            )
    return "\n".join(lines)


def misses(results: Results) -> list[str]:
    out = []
    for f in results.figures:
        if _mark(f):
            out.append(
                f"{f.name} at {f.size:,}: median {_fmt(f.median, f.unit)}, worst {_fmt(f.worst, f.unit)} "
                f"(target {_target_text(f.name)})"
            )
    return out


def machine_text(m: dict[str, Any]) -> str:
    return (
        f"{m['nproc']} CPUs ({m['cpu'] or 'unknown CPU'}), {m['ram_mb']:,} MB RAM, Python {m['python']}, "
        f"Textual {m['textual']}, SQLite {m['sqlite']}; {m['platform']}; run {m['date']}"
    )


def block(results: Results) -> str:
    o = results.options
    notes = [f for f in results.figures if f.skipped]
    parts = [
        f"Machine: {machine_text(results.machine)}.",
        "",
        f"Command: `{o['command']}` ({o['runs']} run(s) per figure, interleaved with the peers; "
        f"median / worst of the runs; ✗ misses issue 10's target at 1,000,000).",
        "",
        table(results),
        "",
        "Our first painted queue rows against the peers, each process from its first import, on the same rows "
        "(the first N escalations of the floor, read with sqlite3, every row added to the peer's table):",
        "",
        ratios(results),
    ]
    if notes:
        parts += ["", "Skipped or failed:", ""]
        parts += [f"- `{f.name}` at {f.size:,}: {f.skipped}" for f in notes]
    return "\n".join(parts)


INTRO = """# Benchmarks

What a person at the desk waits for, at 10,000, 100,000 and 1,000,000 escalations, measured by one
suite (`bench/run.py`, issue 10) side by side with the peers. The figures between the markers are
written by the suite from `bench/results.json`: never edit them by hand.

## How to run

    make bench                                   # 10,000, 100,000 and 1,000,000; 5 runs each
    .venv/bin/python bench/run.py --sizes 10000,100000 --runs 5
    .venv/bin/python bench/run.py --smoke        # the 10,000 floor, once: a few minutes

Floors are made once with `tpsdesk demo --size N --seed S` and cached in `~/.cache/tpsdesk-bench`
(`--cache DIR`) by size, seed and schema revision; `--adopt FILE` copies an existing demo database
into the cache (upgraded to the head). Every process runs with `TPSDESK_NOW` pinned to the instant
the floor was made for, a private `HOME`, and this checkout on `PYTHONPATH`.

## What each figure measures

- **Headless figures** (`tui.*`) run the app in `App.run_test` (120x40) in a fresh process per
  screen. The clock starts at the key press and stops at the first frame the compositor renders
  (`App._display`, wrapped) after the data has landed in the widget and the widget can paint it
  (the queue's table holds every row of its visible window; the other screens' load message has
  been handled). Only the terminal write is left out. "App start" counts from the process's first
  import.
- **Whole processes**: `tpsdesk overdue --json`, `escalation list --json`, `due death --at ...`,
  `summary --format F` from spawn to exit; `tpsdesk tui` in a pseudo-terminal from spawn to the
  first output holding the queue's first row (its CRN), then ctrl+q.
- **Peak RSS** (`rss.*`): `ru_maxrss` of each process (`os.wait4`), one process per screen.
- **Services** (`svc.*`): the reads behind the screens, timed in one process without the UI.
- **Peers**: Textual's stock `DataTable` with every row added (a run past 120 s is stopped and the
  size skipped), and `textual-fastdatatable`, each a process from its first import to its first
  painted rows.

## Results

"""


def write_markdown(path: Path, results: Results) -> None:
    text = path.read_text() if path.exists() else INTRO + f"{START}\n{END}\n"
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    body = block(results)
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{body}\n{END}", text, flags=re.S)
    path.write_text(text)


def write_json(path: Path, results: Results) -> None:
    data = {
        "machine": results.machine,
        "options": results.options,
        "floors": results.floors,
        "figures": [f.as_json() for f in results.figures],
    }
    path.write_text(json.dumps(data, indent=1) + "\n")
