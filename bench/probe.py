"""One measured run in its own process (started by ``bench/run.py``; its peak RSS is this process's).

    python bench/probe.py SCENARIO --db URL --now ISO [--user sp1] [--rows N]

Prints one JSON line: ``{"figures": {name: seconds or null}, "notes": {...}}``.

What "painted" means here: the app runs headless (``App.run_test``), where Textual still
composes every frame: ``Screen._compositor_refresh`` renders the dirty regions (each widget's
``render_line`` is called) and hands the update to ``App._display``, which on a real terminal
writes it out. The probe wraps ``App._display``: a figure's clock stops at the first frame
handed over *after* the data it waits for has landed in the widget (the data's message
handled, counted by a wrapped handler) *and* the widget can paint it (the queue table holds
every row of its visible window). So each figure runs from the key press (``pilot.press``) to
the first frame whose lines show the new rows; only the terminal write is left out, which the
pseudo-terminal figures of ``run.py`` include.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # before any import of the app: the cold start counts them

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMEOUT = 120.0  # seconds a figure may wait for its paint before it is recorded as null
SIZE = (120, 40)

LANDED: dict[str, int] = {}  # how many times each awaited data message has been handled
EMPTY: dict[int, tuple[int, bool]] = {}  # table -> (generation, its last window was empty)
PROBES: list[Probe] = []  # what the next frames are watched for


class Probe:
    """Waits for the first frame painted once ``want()`` holds; ``at`` is when."""

    def __init__(self, want: Callable[[], bool]) -> None:
        self.want = want
        self.at: float | None = None
        self.start = time.perf_counter()
        PROBES.append(self)

    async def wait(self, pilot: Any) -> float | None:
        """Seconds from this probe's start to its frame (None: not within TIMEOUT)."""
        deadline = self.start + TIMEOUT
        while self.at is None and time.perf_counter() < deadline:
            await pilot.pause(0.001)
        if self in PROBES:
            PROBES.remove(self)
        return None if self.at is None else self.at - self.start


def _bump(name: str) -> None:
    LANDED[name] = LANDED.get(name, 0) + 1


def _wrap(cls: type, method: str, name: str, when: Callable[[Any], bool] | None = None) -> None:
    """Count each call of ``cls.method`` (after it ran) as ``name`` landing."""
    original = getattr(cls, method, None)
    if original is None:
        raise SystemExit(f"bench/probe.py: {cls.__name__}.{method} is gone: update the bench's hook")

    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(self, *args, **kwargs)
        if when is None or when(self):
            _bump(name)
        return out

    setattr(cls, method, wrapped)


def _hook_paint() -> None:
    from textual.app import App

    display = App._display

    def _display(self: Any, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is None:
            return
        for probe in PROBES:
            if probe.at is None:
                try:
                    ok = probe.want()
                except Exception:  # a screen half-built: not this frame
                    ok = False
                if ok:
                    probe.at = time.perf_counter()

    App._display = _display  # type: ignore[method-assign]


async def painted(pilot: Any, want: Callable[[], bool], press: Callable[[], Any] | None = None) -> float | None:
    """Seconds from ``press()`` (a key) to the first frame painted once ``want()`` holds."""
    probe = Probe(want)
    if press is not None:
        await press()
    return await probe.wait(pilot)


# ------------------------------------------------------------------ the app
def _desk(url: str, now: str) -> Any:
    from tpsdesk.clock import FakeClock
    from tpsdesk.services.desk import Desk
    from tpsdesk.store import Store

    store = Store(url)
    store.require_current()
    return Desk(store, clock=FakeClock(datetime.fromisoformat(now)))


def _instrument() -> None:
    """Wrap the handlers each figure waits for as each screen module is first imported: the
    app imports its screens lazily, on first use, so importing them here would move their
    import time out of the cold start and the first opens. Import statements pass through
    ``builtins.__import__``, the app's mode factories through ``importlib.import_module``."""
    import builtins
    import importlib

    pending = dict(INSTRUMENTS)
    original = builtins.__import__

    def apply() -> None:
        for name in [n for n in pending if n in sys.modules and hasattr(sys.modules[n], "__file__")]:
            module = sys.modules[name]
            try:
                pending.pop(name)(module)
            except AttributeError:  # still executing (a circular import): the next import retries
                pending[name] = INSTRUMENTS[name]

    def hooked(name: str, *args: Any, **kwargs: Any) -> Any:
        module = original(name, *args, **kwargs)
        if pending:
            apply()
        return module

    import_module = importlib.import_module

    def hooked_module(name: str, package: str | None = None) -> Any:
        module = import_module(name, package)
        if pending:
            apply()
        return module

    builtins.__import__ = hooked
    importlib.import_module = hooked_module
    apply()
    _hook_paint()


def _wrap_table(module: Any) -> None:
    table = module.VirtualTable
    _wrap(table, "on_window_loaded", "window")
    loaded = table.on_window_loaded

    def on_window_loaded(self: Any, message: Any) -> None:
        loaded(self, message)
        if message.generation == self.generation:
            EMPTY[id(self)] = (self.generation, not message.rows)

    table.on_window_loaded = on_window_loaded
    _wrap(table, "on_count_loaded", "count", lambda t: t._counting is None)


INSTRUMENTS: dict[str, Callable[[Any], None]] = {
    "screens.widgets.virtual_table": _wrap_table,
    "screens.queue.screen": lambda m: _wrap(m.QueueScreen, "_show_detail", "detail"),
    "screens.calendar": lambda m: _wrap(
        m.CalendarScreen,
        "on_month_loaded",
        "month",
        lambda s: s.data is not None and s.loaded_month == (s.cursor.year, s.cursor.month),
    ),
    "screens.overdue": lambda m: _wrap(m.OverdueScreen, "on_overdue_loaded", "overdue"),
    "screens.dashboard": lambda m: _wrap(m.DashboardScreen, "on_dashboard_loaded", "dashboard", lambda s: s.data is not None),
    "screens.contacts": lambda m: _wrap(m.ContactsScreen, "_show", "contacts"),
}


def _table(app: Any) -> Any:
    from screens.queue.screen import QueueScreen
    from screens.widgets.virtual_table import VirtualTable

    if not isinstance(app.screen, QueueScreen):
        return None
    return app.screen.query_one(VirtualTable)


def covered(app: Any) -> bool:
    """The queue table holds every row of its visible window (no '…' line in the frame)."""
    t = _table(app)
    if t is None:
        return False
    if not t.rows:  # an empty answer is painted too ("0 escalations")
        return EMPTY.get(id(t)) == (t.generation, True)
    top = int(t.scroll_offset.y)
    end = min(top + t.visible_rows, max(t.total, len(t.rows)))
    return all(i in t.rows for i in range(top, end))


def _since(name: str) -> Callable[[], bool]:
    before = LANDED.get(name, 0)
    return lambda: LANDED.get(name, 0) > before


def _new_window(app: Any) -> Callable[[], bool]:
    """A new set of rows (new filters) landed and fills the window."""
    t = _table(app)
    gen = t.generation
    landed = _since("window")
    return lambda: landed() and _table(app).generation > gen and covered(app)


async def _settle(pilot: Any) -> None:
    """Until the table's window and count are in (between figures; untimed)."""
    deadline = time.perf_counter() + TIMEOUT
    while time.perf_counter() < deadline:
        t = _table(pilot.app)
        if t is not None and covered(pilot.app) and not t.counting and t.loaded_once:
            break
        await pilot.pause(0.005)
    await pilot.pause()


async def scenario_queue(url: str, now: str, user: str) -> dict[str, float | None]:
    """Cold start (imports included) to the first painted queue rows, then on that queue: End,
    PageDown, each filter key, a text search (rows, then the count), the detail (Enter)."""
    from screens.app import TpsApp

    _instrument()
    desk = _desk(url, now)
    app = TpsApp(desk, user, live=False)
    out: dict[str, float | None] = {}
    first = Probe(lambda: covered(app))
    first.start = T0  # the process's first line: imports, opening the store, sign-in, the rows
    async with app.run_test(size=SIZE) as pilot:
        out["tui.cold_start"] = await first.wait(pilot)
        await _settle(pilot)

        t = _table(app)
        total = t.total
        out["tui.end"] = await painted(
            pilot,
            lambda: (tt := _table(app)) is not None and tt.cursor == total - 1 and covered(app),
            lambda: pilot.press("end"),
        )
        await pilot.press("home")
        await _settle(pilot)
        pages = []
        for _ in range(3):  # the third leaves the first keyset page: it waits for a fetch
            target = min(_table(app).cursor + _table(app).visible_rows, total - 1)
            pages.append(
                await painted(
                    pilot,
                    lambda target=target: _table(app).cursor == target and covered(app),
                    lambda: pilot.press("pagedown"),
                )
            )
        out["tui.pagedown"] = None if None in pages else max(p for p in pages if p is not None)
        await pilot.press("home")
        await _settle(pilot)

        for key, name in (
            ("s", "status"),
            ("t", "category"),
            ("m", "mine"),
            ("u", "unclaimed"),
            ("exclamation_mark", "overdue"),
            ("e", "site"),
        ):
            out[f"tui.filter.{name}"] = await painted(pilot, _new_window(app), lambda key=key: pilot.press(key))
            await _settle(pilot)
            await pilot.press("x")
            await _settle(pilot)

        await pilot.press("slash")
        for ch in "letter":
            await pilot.press(ch)
        rows, count = Probe(_new_window(app)), Probe(_since("count"))  # one Enter, two frames
        await pilot.press("enter")
        out["tui.search"] = await rows.wait(pilot)
        out["tui.search_count"] = await count.wait(pilot)
        await _settle(pilot)
        await pilot.press("x")
        await _settle(pilot)

        out["tui.detail"] = await painted(pilot, _since("detail"), lambda: pilot.press("enter"))
        await pilot.press("ctrl+q")
    return out


async def _from_intake(url: str, now: str, user: str, body: Callable[[Any, Any], Any]) -> dict[str, float | None]:
    """Signed in on a screen that reads nothing (the intake checklist), then ``body``."""
    import screens.app as app_module
    from screens.app import TpsApp

    _instrument()
    for role in app_module.HOME_BY_ROLE:
        app_module.HOME_BY_ROLE[role] = "intake"
    desk = _desk(url, now)
    app = TpsApp(desk, user, live=False)
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.perf_counter() + TIMEOUT
        while not app.signed_in and time.perf_counter() < deadline:
            await pilot.pause(0.005)
        await pilot.pause()
        out = await body(app, pilot)
        await pilot.press("ctrl+q")
    return out


async def scenario_f3(url: str, now: str, user: str) -> dict[str, float | None]:
    async def body(app: Any, pilot: Any) -> dict[str, float | None]:
        return {"tui.f3_queue": await painted(pilot, lambda: covered(app), lambda: pilot.press("f3"))}

    return await _from_intake(url, now, user, body)


async def scenario_calendar(url: str, now: str, user: str) -> dict[str, float | None]:
    async def body(app: Any, pilot: Any) -> dict[str, float | None]:
        out = {"tui.f5_month": await painted(pilot, _since("month"), lambda: pilot.press("f5"))}
        out["tui.f5_month_change"] = await painted(pilot, _since("month"), lambda: pilot.press("pagedown"))
        return out

    return await _from_intake(url, now, user, body)


async def scenario_overdue(url: str, now: str, user: str) -> dict[str, float | None]:
    async def body(app: Any, pilot: Any) -> dict[str, float | None]:
        return {"tui.f7_overdue": await painted(pilot, _since("overdue"), lambda: pilot.press("f7"))}

    return await _from_intake(url, now, user, body)


async def scenario_dashboard(url: str, now: str, user: str) -> dict[str, float | None]:
    async def body(app: Any, pilot: Any) -> dict[str, float | None]:
        out = {"tui.f6_dashboard": await painted(pilot, _since("dashboard"), lambda: pilot.press("f6"))}
        await app.workers.wait_for_complete()
        await pilot.pause()
        out["tui.f6_refresh"] = await painted(pilot, _since("dashboard"), lambda: pilot.press("r"))
        return out

    return await _from_intake(url, now, user, body)


async def scenario_contacts(url: str, now: str, user: str) -> dict[str, float | None]:
    async def body(app: Any, pilot: Any) -> dict[str, float | None]:
        return {"tui.f8_contacts": await painted(pilot, _since("contacts"), lambda: pilot.press("f8"))}

    return await _from_intake(url, now, user, body)


# ------------------------------------------------------------------ the services, without the UI
def scenario_services(url: str, now: str, user: str) -> dict[str, float | None]:
    """The reads behind the screens, each timed once in this process (the store opened and
    one page read first, untimed: the connection and the statement cache)."""
    from datetime import timedelta

    from screens.queue.screen import END_KEY
    from tpsdesk.services import calendar, dashboard, escalations
    from tpsdesk.services.escalations import Filters

    desk = _desk(url, now)
    escalations.list_page(desk, user, Filters(), limit=1)  # warm: connection, statements
    out: dict[str, float | None] = {}

    def timed(name: str, fn: Callable[[], Any]) -> None:
        t = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - t

    page = 100
    timed("svc.list_page", lambda: escalations.list_page(desk, user, Filters(), limit=page))
    timed("svc.page_before_end", lambda: escalations.page_before(desk, user, Filters(), END_KEY, page))
    timed("svc.count", lambda: escalations.count(desk, user, Filters()))
    cats = list(desk.policy.categories)
    for name, f in (
        ("status_referred", Filters(status="referred")),
        ("category", Filters(category=cats[0])),
        ("mine", Filters(mine=True)),
        ("unclaimed", Filters(owner="none")),
        ("overdue", Filters(overdue=True)),
        ("text", Filters(text="letter")),
    ):
        timed(f"svc.list_page.{name}", lambda f=f: escalations.list_page(desk, user, f, limit=page))
        timed(f"svc.count.{name}", lambda f=f: escalations.count(desk, user, f))
    today = desk.now().date()
    timed("svc.calendar.month_grid", lambda: calendar.month_grid(desk, user, today.year, today.month))
    nxt = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    timed("svc.calendar.month_grid_next", lambda: calendar.month_grid(desk, user, nxt.year, nxt.month))
    timed("svc.calendar.day_agenda", lambda: calendar.day_agenda(desk, user, today))
    timed("svc.dashboard", lambda: dashboard.floor_dashboard(desk, user))
    timed("svc.overdue", lambda: escalations.overdue(desk, user, limit=200))
    return out


# ------------------------------------------------------------------ the peers, on the same rows
PEER_COLUMNS = ["Id", "Category", "CRN", "Status", "Due", "Next action", "Summary"]


def _rows(path: str, n: int) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT id, category, crn, status, due_at, next_action_at, summary FROM escalation ORDER BY id LIMIT ?",
            (n,),
        ).fetchall()


async def _peer(make: Callable[[list[tuple[Any, ...]]], Any], path: str, n: int) -> dict[str, float | None]:
    """Process start (imports included) to the first frame painting the table's rows: the rows
    read with sqlite3, every one handed to the widget, as an app using it would."""
    from textual.app import App

    _hook_paint()
    rows = _rows(path, n)

    class Peer(App[None]):
        def compose(self) -> Any:
            yield make(rows)

    app = Peer()

    def shown() -> bool:
        found = app.query("#peer")
        return bool(found) and getattr(found.first(), "row_count", 0) > 0

    first = Probe(shown)
    first.start = T0
    async with app.run_test(size=SIZE) as pilot:
        got = await first.wait(pilot)
    return {"first_rows": got, "rows": float(len(rows))}


def scenario_datatable(path: str, n: int) -> dict[str, float | None]:
    from textual.widgets import DataTable

    def make(rows: list[tuple[Any, ...]]) -> Any:
        table: DataTable[Any] = DataTable(id="peer")
        table.add_columns(*PEER_COLUMNS)
        table.add_rows(rows)
        return table

    return asyncio.run(_peer(make, path, n))


def scenario_fastdatatable(path: str, n: int) -> dict[str, float | None]:
    from textual_fastdatatable import DataTable  # type: ignore[import-not-found]

    def make(rows: list[tuple[Any, ...]]) -> Any:
        return DataTable(data=rows, column_labels=PEER_COLUMNS, id="peer")

    return asyncio.run(_peer(make, path, n))


TUI = {
    "queue": scenario_queue,
    "f3": scenario_f3,
    "calendar": scenario_calendar,
    "overdue": scenario_overdue,
    "dashboard": scenario_dashboard,
    "contacts": scenario_contacts,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="one measured run (see bench/run.py)")
    parser.add_argument("scenario", choices=[*TUI, "services", "datatable", "fastdatatable", "marker"])
    parser.add_argument("--db", required=True, help="the floor's file path")
    parser.add_argument("--now", required=True, help="the floor's instant (TPSDESK_NOW)")
    parser.add_argument("--user", default="sp1")
    parser.add_argument("--rows", type=int, default=0, help="peers: how many rows")
    args = parser.parse_args()
    url = f"sqlite:///{args.db}"
    if args.scenario in TUI:
        figures = asyncio.run(TUI[args.scenario](url, args.now, args.user))
    elif args.scenario == "services":
        figures = scenario_services(url, args.now, args.user)
    elif args.scenario == "marker":  # the queue's first row's CRN, for the pty figure
        from tpsdesk.services import escalations

        first = escalations.list_page(_desk(url, args.now), args.user, escalations.Filters(), limit=1)
        figures = {"crn": first[0].crn if first else ""}  # type: ignore[dict-item]
    elif args.scenario == "datatable":
        figures = scenario_datatable(args.db, args.rows)
    else:
        figures = scenario_fastdatatable(args.db, args.rows)
    print(json.dumps({"figures": figures}), flush=True)


if __name__ == "__main__":
    main()
