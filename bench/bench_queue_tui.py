"""The queue's first rows on a large floor (issue 4 item 3: painted within 0.5 s of
opening, at 1,000,000 escalations). A benchmark, not a test.

Runs the real app headless (``App.run_test``) on a demo database and measures, per run:
- open -> rows: from the queue screen's mount to the first window of rows in the table;
- open -> count: until the whole filtered count (scrollbar, row count) is known;
- start -> rows: from constructing the app to the first rows (includes Textual start-up);
and, without the UI, the keyset page and the count the table asks for.

    .venv/bin/tpsdesk --db /tmp/m1.db demo --size 1000000      # about a minute or two
    .venv/bin/python bench/bench_queue_tui.py --db /tmp/m1.db [--user LOGON] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screens import queue as queue_module  # noqa: E402
from screens.app import TpsApp  # noqa: E402
from screens.widgets import virtual_table  # noqa: E402
from tpsdesk.services import escalations, setup  # noqa: E402
from tpsdesk.services.desk import Desk  # noqa: E402
from tpsdesk.store import Store  # noqa: E402

MARKS: dict[str, float] = {}


def _instrument() -> None:
    """Record when the queue mounts, when its first rows land and when the count lands."""
    mount = queue_module.QueueScreen.on_mount
    window = virtual_table.VirtualTable.on_window_loaded
    count = virtual_table.VirtualTable.on_count_loaded

    def on_mount(self: queue_module.QueueScreen) -> None:
        MARKS.setdefault("open", time.perf_counter())
        mount(self)

    def on_window(self: virtual_table.VirtualTable, message: virtual_table.WindowLoaded) -> None:
        window(self, message)
        if self.rows:
            MARKS.setdefault("rows", time.perf_counter())

    def on_count(self: virtual_table.VirtualTable, message: virtual_table.CountLoaded) -> None:
        count(self, message)
        MARKS.setdefault("count", time.perf_counter())

    queue_module.QueueScreen.on_mount = on_mount  # type: ignore[method-assign]
    virtual_table.VirtualTable.on_window_loaded = on_window  # type: ignore[method-assign]
    virtual_table.VirtualTable.on_count_loaded = on_count  # type: ignore[method-assign]


async def one_run(desk: Desk, user: str) -> dict[str, float]:
    MARKS.clear()
    start = time.perf_counter()
    app = TpsApp(desk, user)
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_screen("queue")
        for _ in range(2000):
            if "rows" in MARKS and "count" in MARKS:
                break
            await pilot.pause(0.005)
        table = app.screen.query_one(virtual_table.VirtualTable)
        total = table.total
    return {
        "open_rows": MARKS["rows"] - MARKS["open"],
        "open_count": MARKS["count"] - MARKS["open"],
        "start_rows": MARKS["rows"] - start,
        "total": float(total),
    }


def services(desk: Desk, user: str, runs: int) -> tuple[float, float]:
    page, count = [], []
    for _ in range(runs):
        t = time.perf_counter()
        escalations.list_page(desk, user, escalations.Filters(), limit=virtual_table.PAGE)
        page.append(time.perf_counter() - t)
        t = time.perf_counter()
        escalations.count(desk, user, escalations.Filters())
        count.append(time.perf_counter() - t)
    return statistics.median(page), statistics.median(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a demo database (tpsdesk demo --size 1000000)")
    parser.add_argument("--user", help="an SP/SSO logon (default: the first SP)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    desk = Desk(Store(args.db))
    user = args.user or next(s.logon for s in setup.list_staff(desk, role="SP"))
    _instrument()
    results = [asyncio.run(one_run(desk, user)) for _ in range(args.runs)]
    page, count = services(desk, user, args.runs)
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"user {user}, queue total {int(med['total']):,} open escalations visible to them")
    print(f"open -> first rows painted   median {med['open_rows'] * 1000:7.1f} ms  (target < 500 ms)")
    print(f"open -> whole count known    median {med['open_count'] * 1000:7.1f} ms")
    print(f"app start -> first rows      median {med['start_rows'] * 1000:7.1f} ms")
    print(
        f"service list_page({virtual_table.PAGE})  median {page * 1000:7.1f} ms;  count  median {count * 1000:7.1f} ms"
    )


if __name__ == "__main__":
    main()
