"""The last request wins (issue 9, item 8): a slow answer to an older request never replaces
the newer one. The calendar's month loads and the overdue lookup's filter loads carry a
generation, as the queue detail and the virtual table do. The service is slowed by a gate the
test opens (no sleeping): the held call has read the database already, so what it hands back
is older than what the next request reads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from textual.widgets import DataTable

from screens.calendar import CalendarScreen
from screens.overdue import OverdueScreen
from tpsdesk.services import calendar as cal_svc
from tpsdesk.services import escalations
from tui.helpers import raise_some, settle


class Held:
    """The first call matching ``when`` reads, then waits for ``gate`` before it answers;
    ``answered`` is set once that older answer has been handed back."""

    def __init__(self, monkeypatch: Any, module: Any, name: str, when: Callable[..., bool]) -> None:
        self.gate, self.answered, self.started = threading.Event(), threading.Event(), threading.Event()
        real = getattr(module, name)
        held: list[bool] = []

        def call(*args: Any, **kw: Any) -> Any:
            result = real(*args, **kw)
            if not held and when(*args, **kw):
                held.append(True)
                self.started.set()
                self.gate.wait(timeout=60)  # a safety bound only: the test opens the gate
                self.answered.set()
            return result

        monkeypatch.setattr(module, name, call)


async def until(pilot: Any, condition: Callable[[], bool], rounds: int = 400) -> None:
    """Pause the Pilot until ``condition`` holds (a worker may be held at the gate)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


def _total(screen: CalendarScreen) -> int:
    """Due entries the loaded month counts (the grid holds counts, not items)."""
    return sum(c.total for c in screen.data.days.values()) if screen.data else 0


async def test_c1_quick_month_change_shows_the_last_month_asked_for(make_app, monkeypatch) -> None:
    app = make_app("sp1", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        held = Held(monkeypatch, cal_svc, "month_grid", lambda *a, **k: a[3] == 10)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CalendarScreen) and screen.loaded_month == (2026, 9)
        await pilot.press("pagedown")  # October: read, held at the gate
        await until(pilot, held.started.is_set)
        await pilot.press("pagedown")  # November answers at once
        await until(pilot, lambda: screen.loaded_month == (2026, 11))
        held.gate.set()  # October's older answer arrives now
        await until(pilot, held.answered.is_set)
        await settle(pilot)
        assert screen.cursor == date(2026, 11, 25)
        assert screen.loaded_month == (2026, 11) and screen.data is not None and screen.data.month == 11
        assert "November 2026" in str(screen.query_one("#cal-title").render())


async def test_e3_older_answer_for_the_same_month_is_dropped(desk, make_app, monkeypatch) -> None:
    app = make_app("sp1", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CalendarScreen)
        held = Held(monkeypatch, cal_svc, "month_grid", lambda *a, **k: a[3] == 9)
        await pilot.press("r")  # September re-read (nothing due yet), held at the gate
        await until(pilot, held.started.is_set)
        raise_some(desk, 1, category="death")  # E3: due within 24 hours, in September
        await pilot.press("r")  # the newer read sees it
        await until(pilot, lambda: _total(screen) == 1)
        held.gate.set()
        await until(pilot, held.answered.is_set)
        await settle(pilot)
        assert _total(screen) == 1  # the held, empty answer did not replace it
        assert screen.data is not None and screen.data.days[date(2026, 9, 26)].normal == 1


async def test_overdue_filter_typed_fast_shows_the_last_filter(desk, clock, make_app, monkeypatch) -> None:
    raise_some(desk, 1, category="death", summary="older death")
    raise_some(desk, 1, category="death", summary="newer death")
    clock.advance(days=3)
    held = Held(monkeypatch, escalations, "overdue", lambda *a, **k: k.get("text") is None)
    app = make_app("sp1", live=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f7")  # the unfiltered list: read, held at the gate
        await until(pilot, held.started.is_set)
        screen = app.screen
        assert isinstance(screen, OverdueScreen)
        table = screen.query_one(DataTable)
        await pilot.press(*"newer")
        await until(pilot, lambda: table.row_count == 1)
        held.gate.set()  # the unfiltered, older answer (two rows) arrives now
        await until(pilot, held.answered.is_set)
        await settle(pilot)
        assert table.row_count == 1 and "newer" in table.get_row_at(0)[6].plain
