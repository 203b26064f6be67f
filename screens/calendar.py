"""Follow-up calendar (F5): a month of due items per local day (E3, E4, E9, E10, E12, C3, C9).

Arrows or hjkl move the day, PgUp/PgDn the month, ``t`` jumps to today (from
``desk.now()``, so a fake clock makes it stable). Enter opens the day's agenda;
Enter there opens the escalation. ``ctrl+e`` writes the month shown as a calendar file
(``services.feeds.export_month``: masked, X2) in a thread worker and notifies its path. The month's counts per day (counted by the
database, ``calendar.month_grid``) and the cursor day's entries (``day_agenda``)
load in thread workers that post messages, each with a generation so a late
answer to an older request is dropped; the handlers update the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from screens.base import DeskScreen
from screens.messages import Acted, OpenEscalation
from screens.widgets.agenda import AgendaScreen, agenda_text
from screens.widgets.month_grid import LEGEND, MonthGrid, add_days, describe, shift_month
from tpsdesk.businesstime import fmt_day
from tpsdesk.changes import Changes
from tpsdesk.errors import TpsError
from tpsdesk.services.calendar import AgendaItem, MonthData

if TYPE_CHECKING:
    from tpsdesk.services.feeds import Feed

SIDE_ITEMS = 30  # the side panel lists a day's first entries; Enter opens the agenda
AGENDA_ITEMS = 200  # a day's agenda reads its first entries only (a busy day holds thousands)
RELOAD_SECONDS = 60  # time moves on; another user's change comes by the change feed; `r` reloads at once


@dataclass
class DayLoaded(Message):
    day: date
    generation: int
    items: list[AgendaItem] = field(default_factory=list)
    error: str = ""


@dataclass
class MonthLoaded(Message):
    year: int
    month: int
    generation: int
    data: MonthData | None = None
    error: str = ""


def _move(key: str, action: str, desc: str, tip: str, show: bool = False) -> Binding:
    return Binding(key, action, desc, show=show, id=f"calendar.{key.replace('+', '_')}", tooltip=tip)


class CalendarScreen(DeskScreen):
    """The month grid with a status line, a legend and (when wide) the cursor day's agenda."""

    TITLE = "Follow-up calendar"
    CSS_PATH = "calendar.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        _move("left", "move(-1)", "Prev day", "Move the cursor one day back"),
        _move("right", "move(1)", "Next day", "Move the cursor one day on"),
        _move("up", "move(-7)", "Prev week", "Move the cursor one week back"),
        _move("down", "move(7)", "Next week", "Move the cursor one week on"),
        _move("h", "move(-1)", "Prev day", "One day back (vi key)"),
        _move("l", "move(1)", "Next day", "One day on (vi key)"),
        _move("k", "move(-7)", "Prev week", "One week back (vi key)"),
        _move("j", "move(7)", "Next week", "One week on (vi key)"),
        _move("pageup", "month(-1)", "Prev month", "The same day of the previous month", show=True),
        _move("pagedown", "month(1)", "Next month", "The same day of the next month", show=True),
        _move("t", "today", "Today", "Jump to today (site local time)", show=True),
        _move("enter", "agenda", "Agenda", "Open the agenda of the cursor day", show=True),
        _move("r", "reload", "Reload", "Reload the month from the database", show=True),
        _move("ctrl+e", "export_month", "Export month (.ics)", "Write the month as a calendar file", show=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: MonthData | None = None
        self.loaded_month: tuple[int, int] | None = None
        self._generation = 0  # of the latest month request; an answer to an older one is dropped
        # The month holds counts per day; a day's entries are read when the cursor is on it.
        self.day_items: dict[date, list[AgendaItem]] = {}
        self._day_generation = 0

    def compose_body(self) -> ComposeResult:
        with Vertical(id="cal-body"):
            yield Static("", id="cal-title", markup=False)
            with Horizontal(id="cal-main"):
                yield MonthGrid(id="cal-grid")
                yield Static("", id="cal-side", markup=False)
            yield Static("", id="cal-day", markup=False)
            yield Static(LEGEND, id="cal-legend", markup=False)

    @property
    def grid(self) -> MonthGrid:
        return self.query_one(MonthGrid)

    @property
    def cursor(self) -> date:
        return self.grid.cursor

    def on_mount(self) -> None:
        self.grid.cursor = self.today()
        self._show()
        self.load_month(self.cursor.year, self.cursor.month)
        self.set_interval(RELOAD_SECONDS, self.action_reload, name="calendar-reload")

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.loaded_month is not None:
            self.action_reload()

    def floor_changed(self, _: Changes) -> None:
        """The change feed heard a commit: re-read the month on screen (the cursor stays)."""
        if self.is_current and self.loaded_month is not None:
            self.action_reload()

    def today(self) -> date:
        """Today in the viewer's site zone, from the desk clock (a FakeClock in tests)."""
        zone = self.data.zone if self.data else self.session.zone
        return self.session.now().astimezone(ZoneInfo(zone)).date()

    # ------------------------------------------------------------ loading
    def load_month(self, year: int, month: int) -> None:
        """Read the month in a worker. Each request carries a generation: a slow answer to an
        older request (PgDn pressed twice quickly) never replaces the month asked for last."""
        self._generation += 1
        self._read_month(year, month, self._generation)

    @work(thread=True, exit_on_error=False, exclusive=True, group="calendar")
    def _read_month(self, year: int, month: int, generation: int) -> None:
        from tpsdesk.services import calendar as cal_svc

        app = self.session
        try:
            data = cal_svc.month_grid(app.desk, app.logon, year, month)
        except TpsError as exc:
            self.post_message(MonthLoaded(year, month, generation, error=str(exc)))
            return
        self.post_message(MonthLoaded(year, month, generation, data))

    def on_month_loaded(self, message: MonthLoaded) -> None:
        if message.generation != self._generation:
            return  # an answer to an older request: a newer one is on its way
        if message.error:
            self.notify(message.error, severity="error", markup=False)
            return
        if (message.year, message.month) != (self.cursor.year, self.cursor.month):
            return  # the cursor moved on meanwhile; that month is loading
        self.data = message.data
        self.loaded_month = (message.year, message.month)
        self.day_items.clear()  # the month was read again: so is the day on the cursor
        self.grid.set_data(message.data)
        self._show()
        self._load_day()

    def _load_day(self) -> None:
        """Read the cursor day's entries when it has some and they are not read yet."""
        data, day = self._current(), self.cursor
        if data is None or day in self.day_items:
            return
        counts = data.days.get(day)
        if counts is None or not (counts.total or counts.eped):
            self.day_items[day] = []
            return
        self._day_generation += 1
        self._read_day(day, self._day_generation)

    @work(thread=True, exit_on_error=False, group="calendar-day")
    def _read_day(self, day: date, generation: int) -> None:
        from tpsdesk.services import calendar as cal_svc

        app = self.session
        try:
            items = cal_svc.day_agenda(app.desk, app.logon, day, limit=AGENDA_ITEMS)
        except TpsError as exc:
            self.post_message(DayLoaded(day, generation, error=str(exc)))
            return
        self.post_message(DayLoaded(day, generation, items))

    def on_day_loaded(self, message: DayLoaded) -> None:
        if message.generation != self._day_generation:
            return  # the cursor moved on: a newer day is loading
        if message.error:
            self.notify(message.error, severity="error", markup=False)
            return
        self.day_items[message.day] = message.items
        self._show()

    # ------------------------------------------------------------ moving
    def go(self, day: date) -> None:
        month_changed = (day.year, day.month) != (self.cursor.year, self.cursor.month)
        self.grid.cursor = day
        if month_changed:
            self.load_month(day.year, day.month)
        self._show()
        self._load_day()

    def action_move(self, days: int) -> None:
        self.go(add_days(self.cursor, days))

    def action_month(self, months: int) -> None:
        self.go(shift_month(self.cursor, months))

    def action_today(self) -> None:
        self.go(self.today())

    def action_reload(self) -> None:
        self.load_month(self.cursor.year, self.cursor.month)

    def on_month_grid_clicked(self, message: MonthGrid.Clicked) -> None:
        if message.again:
            self.action_agenda()
        else:
            self.go(message.day)

    # ------------------------------------------------------------ agenda
    def _current(self) -> MonthData | None:
        if self.data and (self.data.year, self.data.month) == (self.cursor.year, self.cursor.month):
            return self.data
        return None

    def action_agenda(self) -> None:
        data = self._current()
        if data is None:
            self.notify("the month is still loading", markup=False)
            return
        day = self.cursor
        items = self.day_items.get(day)
        if items is None:
            self.notify(f"{fmt_day(day)} is still loading", markup=False)
            return
        if not items:
            self.notify(f"nothing is due on {fmt_day(day)}", markup=False)
            return
        self.app.push_screen(AgendaScreen(day, items, data.today, data.holidays.get(day)), self._opened)
        total = self._entries_on(day, items)
        if total > len(items):
            self.notify(
                f"the first {len(items):,} of {total:,} entries on {fmt_day(day)}; "
                "the queue's filters (f3) find the rest",
                markup=False,
            )

    def _entries_on(self, day: date, items: list[AgendaItem]) -> int:
        """How many entries the day holds: what was read, or the grid's count when the read
        stopped at its limit (due entries plus EPED markers)."""
        data = self._current()
        counts = data.days.get(day) if data else None
        if len(items) < AGENDA_ITEMS or counts is None:
            return len(items)
        return max(len(items), counts.total + counts.eped)

    def _opened(self, escalation_id: int | None) -> None:
        if escalation_id is not None:
            self.post_message(OpenEscalation(escalation_id))

    # ------------------------------------------------------------ export
    def action_export_month(self) -> None:
        """The month shown as an .ics file in Documents (a write of a file, never on the loop)."""
        from tpsdesk.services import feeds

        session, day = self.session, self.cursor
        self.call("export-month", lambda: feeds.export_month(session.desk, session.logon, day.year, day.month))

    def on_acted(self, message: Acted[tuple[Feed, str]]) -> None:
        if message.act != "export-month":
            return
        message.stop()
        made, written = message.result  # export_month's answer
        self.notify(f"{made.events} due items written to {written}", markup=False)

    # ------------------------------------------------------------ text
    def _show(self) -> None:
        data = self._current()
        day = self.cursor
        title = Text(f"{day:%B %Y}", style="bold")
        if data:
            title.append(f"  ·  {data.site} ({data.zone})  ·  today {fmt_day(data.today)}")
        else:
            title.append("  ·  loading…", style="dim")
        self.query_one("#cal-title", Static).update(title)
        status = Text(fmt_day(day), style="bold")
        if data:
            holiday = data.holidays.get(day)
            if holiday:
                status.append(f"  ·  public holiday: {holiday} ({data.state})")
            elif day.weekday() >= 5:
                status.append("  ·  weekend")
            status.append(f"  ·  {describe(data.days.get(day))}")
            if self.day_items.get(day):
                status.append("  ·  Enter: agenda", style="dim")
        self.query_one("#cal-day", Static).update(status)
        side = self.query_one("#cal-side", Static)
        items = self.day_items.get(day)
        if data and items is not None:
            shown = agenda_text(day, items[:SIDE_ITEMS], data.today, data.holidays.get(day))
            more = self._entries_on(day, items) - SIDE_ITEMS
            if more > 0:
                shown.append(f"\n… and {more:,} more: Enter for the agenda", style="dim")
            side.update(shown)
        elif data:
            side.update(Text(f"{fmt_day(day)}\nloading…", style="dim"))
        else:
            side.update("")
