"""A month of days as a grid: counts of due items per day by urgency (E12, S3), weekends
and public holidays shaded and named (C3), a day cursor.

Urgency is shown by a symbol (and a word where the cell has room) beside its colour,
never by colour alone. The widget only draws: the screen moves the cursor and
loads the data (``MonthData`` from ``tpsdesk.services.calendar``).
"""

from __future__ import annotations

import calendar as pycal
from dataclasses import dataclass
from datetime import date, timedelta

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tpsdesk.services.calendar import DayCounts, MonthData

# (attribute, symbol, word, style): the order is the order of urgency (S3 first after overdue).
MARKS = (
    ("overdue", "‼", "overdue", "bold red"),
    ("urgent", "▲", "urgent", "bold magenta"),
    ("today", "●", "today", "bold yellow"),
    ("normal", "·", "due", "green"),
    ("eped", "◆", "EPED", "bold cyan"),
)
LEGEND = "‼ overdue  ▲ urgent (stop payment)  ● due today  · due  ◆ EPED  [ ] cursor  shaded: weekend/holiday"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SHADE = Style(bgcolor="grey19")
CURSOR = Style(bgcolor="dodger_blue3", color="white", bold=True)
OVERDUE_DAY = Style(bgcolor="red3", color="white", bold=True)


def weeks_of(year: int, month: int) -> list[list[date | None]]:
    """Monday-first weeks of the month; days of other months are None."""
    return [
        [d if d.month == month else None for d in week] for week in pycal.Calendar(0).monthdatescalendar(year, month)
    ]


def count_marks(counts: DayCounts | None) -> list[tuple[str, str, str, int]]:
    """(symbol, word, style, n) for each non-zero bucket of a day."""
    if counts is None:
        return []
    return [(sym, word, style, getattr(counts, attr)) for attr, sym, word, style in MARKS if getattr(counts, attr)]


def describe(counts: DayCounts | None) -> str:
    """In words, for the status line and screen readers: '2 overdue, 1 due'."""
    marks = count_marks(counts)
    return ", ".join(f"{sym} {n} {word}" for sym, word, _style, n in marks) if marks else "nothing due"


@dataclass(frozen=True)
class Cell:
    """Where a day sits on screen (for mouse clicks)."""

    x: int
    y: int
    width: int
    height: int


class MonthGrid(Widget):
    """Draws the cursor's month. Set ``data`` (a MonthData) and ``cursor`` (a date)."""

    DEFAULT_CSS = """
    MonthGrid {
        height: 1fr;
        min-height: 13;
        width: 1fr;
    }
    """

    cursor: reactive[date] = reactive(date(2000, 1, 1))

    class Clicked(Message):
        """A day was clicked; ``again`` when it was already the cursor."""

        def __init__(self, day: date, again: bool) -> None:
            super().__init__()
            self.day = day
            self.again = again

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: MonthData | None = None
        self._cells: dict[date, Cell] = {}

    def set_data(self, data: MonthData | None) -> None:
        self.data = data
        self.refresh()

    def _month_data(self) -> MonthData | None:
        d = self.data
        if d is not None and (d.year, d.month) == (self.cursor.year, self.cursor.month):
            return d
        return None

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        weeks = weeks_of(self.cursor.year, self.cursor.month)
        col = max(6, width // 7)
        cell_h = max(2, min(7, (height - 1) // len(weeks)))
        data = self._month_data()
        out = Text(no_wrap=True, overflow="crop")
        out.append("".join(f" {name:<{col - 1}}" for name in WEEKDAYS)[:width] + "\n", style="bold")
        self._cells = {}
        for w, week in enumerate(weeks):
            lines = [Text(no_wrap=True, overflow="crop") for _ in range(cell_h)]
            for i, day in enumerate(week):
                cell_lines = self._cell(day, data, col - 1, cell_h)
                for line, part in zip(lines, cell_lines, strict=True):
                    line.append(" ")
                    line.append_text(part)
                if day is not None:
                    self._cells[day] = Cell(i * col, 1 + w * cell_h, col, cell_h)
            for line in lines:
                out.append_text(line)
                out.append("\n")
        out.rstrip()
        return out

    def _cell(self, day: date | None, data: MonthData | None, width: int, height: int) -> list[Text]:
        if day is None:
            return [Text(" " * width) for _ in range(height)]
        counts = data.days.get(day) if data else None
        holiday = data.holidays.get(day) if data else None
        shaded = day.weekday() >= 5 or holiday is not None
        base = CURSOR if day == self.cursor else (SHADE if shaded else Style())
        head = Text(style=base)
        number = f"[{day.day:>2}]" if day == self.cursor else f" {day.day:>2} "
        head.append(number, style=OVERDUE_DAY if counts and counts.overdue and day != self.cursor else None)
        tags = []
        if data and day == data.today:
            tags.append("today")
        if holiday:
            tags.append(holiday)
        if tags:
            head.append(" " + " ".join(tags), style="italic")
        lines = [head]
        marks = count_marks(counts)
        body = height - 1
        if marks and body >= len(marks) and width >= 11:
            # Room for words: one bucket a line.
            for sym, word, style, n in marks:
                lines.append(Text.assemble((f"{sym} {n} {word}", style), style=base))
        elif marks:
            compact = Text(style=base)
            for sym, _word, style, n in marks:
                piece = f"{sym}{n} "
                if compact.cell_len + len(piece) > width:
                    compact.append("…")
                    break
                compact.append(piece, style=style)
            lines.append(compact)
        while len(lines) < height:
            lines.append(Text(style=base))
        out = []
        for line in lines[:height]:
            line.truncate(width, overflow="ellipsis")
            line.pad_right(width - line.cell_len)
            out.append(line)
        return out

    def day_at(self, x: int, y: int) -> date | None:
        for day, c in self._cells.items():
            if c.x <= x < c.x + c.width and c.y <= y < c.y + c.height:
                return day
        return None

    def on_click(self, event: events.Click) -> None:
        day = self.day_at(event.x, event.y)
        if day is not None:
            self.post_message(self.Clicked(day, day == self.cursor))

    def watch_cursor(self, _old: date, _new: date) -> None:
        self.refresh()


def shift_month(day: date, months: int) -> date:
    """The same day ``months`` on, clamped to the month's length (31 Jan + 1 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = pycal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def add_days(day: date, days: int) -> date:
    return day + timedelta(days=days)
