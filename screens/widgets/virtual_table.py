"""A virtual table over a keyset-paged source far larger than memory.

The scrollable height is the whole filtered count, but only a window of rows
around the scroll position is held (learned from toolong's ``LogLines``: a
``ScrollView`` whose ``render_line`` paints from a cache and asks a worker for
what is missing). Rows are fetched by keyset (``after``/``before`` a row's
key), never by OFFSET, so the first screen of a million rows costs the same as
of ten. The widget never talks to the database itself: the owner gives it a
``RowSource`` whose calls run in a thread worker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Key = tuple[Any, ...]
PAGE = 100  # rows per keyset fetch
KEEP = 600  # rows held in memory at most
STEP = 1000  # rows per hop when walking to a far position


class RowSource(Protocol):
    """What the table needs from its owner (each call may hit the database).

    A source may also offer ``key_at(index) -> Key`` (the key of the row at that
    position); far jumps then cost one seek instead of a walk by keyset hops.
    """

    def after(self, key: Key | None, limit: int) -> Sequence[Any]: ...
    def before(self, key: Key | None, limit: int) -> Sequence[Any]: ...
    def count(self) -> int: ...


@dataclass
class Column:
    label: str
    width: int
    priority: int = 1  # lowest priority columns are dropped first on narrow screens
    flex: bool = False


@dataclass
class WindowLoaded(Message):
    generation: int
    start: int
    rows: list[Any] = field(default_factory=list)
    error: str = ""
    page: int = -1  # the pending page this answers
    replace: bool = False


@dataclass
class CountLoaded(Message):
    generation: int
    total: int
    error: str = ""


class VirtualTable(ScrollView, can_focus=True):
    """Rows are any objects with a ``key`` (keyset) and an ``id``; ``cells`` renders one."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False, id="table.up", tooltip="Previous row"),
        Binding("down,j", "move(1)", "Down", show=False, id="table.down", tooltip="Next row"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup", tooltip="One screen up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown", tooltip="One screen down"),
        Binding("home,g", "first", "First", show=False, id="table.first", tooltip="First row"),
        Binding("end,G", "last", "Last", show=False, id="table.last", tooltip="Last row"),
        Binding("enter", "choose", "Open", id="table.open", tooltip="Show the highlighted row's detail"),
    ]

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        scrollbar-gutter: stable;
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    cursor: reactive[int] = reactive(0, repaint=True)
    total: reactive[int] = reactive(0, repaint=True)

    @dataclass
    class Highlighted(Message):
        row: Any

    @dataclass
    class Chosen(Message):
        row: Any

    def __init__(self, columns: list[Column], cells: Callable[[Any], list[Text]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.cells = cells
        self.source: RowSource | None = None
        self.rows: dict[int, Any] = {}
        self.generation = 0
        self.loaded_once = False
        self._pending: set[int] = set()
        self._far: int | None = None  # the page a far walk is heading for
        self._counting: int | None = None  # generation of the count in flight
        self._counted = -1  # generation whose count has been started
        self._keep_id: Any = None  # id of the cursor's row while a reload is in flight

    # ------------------------------------------------------------ data
    def set_source(self, source: RowSource, *, keep_cursor: bool = False) -> None:
        """New filters: drop everything and fetch the first screen (and the count)."""
        self.source = source
        self.generation += 1
        self.rows = {}
        self.total = 0  # unknown until the count arrives: no end-anchored fetch on a stale total
        self._pending.clear()
        if not keep_cursor:
            self.cursor = 0
            self.scroll_to(y=0, animate=False)
        # The count starts once the first rows are in: on a huge floor it is the slow
        # query, and the first screen must not wait behind it for a CPU.
        self._fetch(0, None, "after", self.generation)

    def reload(self) -> None:
        """Another user's change: re-fetch the visible window and the count. The window is
        replaced in one paint, and the cursor follows its row if the row moved in it."""
        if self.source is None:
            return
        current = self.current
        self._keep_id = getattr(current, "id", None)
        top = int(self.scroll_offset.y)
        anchor = self.rows.get(top - 1)
        if top == 0 or anchor is None:
            start, key = (0, None) if top == 0 or not self.rows else self._nearest_anchor(top)
        else:
            start, key = top, anchor.key
        # Same filters, same generation: a count still running (slow on a huge floor) is not restarted.
        self._fetch(start, key, "after", self.generation, replace=True)
        self._start_count()

    def _start_count(self) -> None:
        if self._counting == self.generation:
            return
        self._counting = self.generation
        self._count(self.generation)

    def _nearest_anchor(self, index: int) -> tuple[int, Key | None]:
        below = [i for i in self.rows if i < index]
        if not below:
            return 0, None
        i = max(below)
        return i + 1, self.rows[i].key

    @property
    def counting(self) -> bool:
        """The whole filtered count is still being worked out."""
        return self._counting is not None

    def row_at(self, index: int) -> Any | None:
        return self.rows.get(index)

    @property
    def current(self) -> Any | None:
        return self.rows.get(self.cursor)

    @work(thread=True, exit_on_error=False, group="vt-count")
    def _count(self, generation: int) -> None:
        assert self.source is not None
        try:
            self.post_message(CountLoaded(generation, self.source.count()))
        except Exception as exc:  # a typed TpsError mostly; shown, never a traceback
            self.post_message(CountLoaded(generation, 0, str(exc)))

    @work(thread=True, exit_on_error=False, group="vt-window")
    def _fetch(
        self,
        start: int,
        key: Key | None,
        direction: str,
        generation: int,
        *,
        replace: bool = False,
        walk: int = 0,
        page: int = -1,
    ) -> None:
        """Fetch ``PAGE`` rows after (or before) ``key``; ``walk`` hops forward first (far jumps)."""
        source = self.source
        assert source is not None
        try:
            seek = getattr(source, "key_at", None)  # optional: the key just before a position
            if walk > STEP and seek is not None:
                key, start, walk = seek(start + walk - 1), start + walk, 0
            # A newer far jump (scrollbar drag) makes this walk pointless: stop hopping.
            while walk > 0 and generation == self.generation and self._far in (None, page):
                hop = source.after(key, min(STEP, walk))
                if not hop:
                    break
                key = hop[-1].key
                start += len(hop)
                walk -= len(hop)
            if direction == "after":
                rows = list(source.after(key, PAGE))
            else:
                rows = list(source.before(key, PAGE))
                start -= len(rows)
        except Exception as exc:  # a typed TpsError mostly; shown, never a traceback
            self.post_message(WindowLoaded(generation, start, [], str(exc), page))
            return
        self.post_message(WindowLoaded(generation, max(0, start), rows, "", page, replace))

    def on_count_loaded(self, message: CountLoaded) -> None:
        # Not stopped: the screen's row-count line hears it after the table has the total.
        if message.generation == self._counting:
            self._counting = None
        if message.generation != self.generation:
            return
        if message.error:
            self.app.notify(message.error, severity="error", markup=False)
        self.total = message.total
        self.cursor = min(self.cursor, max(0, self.total - 1))
        self._resize()

    def on_window_loaded(self, message: WindowLoaded) -> None:
        if message.generation != self.generation:
            return
        self._pending.discard(message.page)
        if message.error:
            self.app.notify(message.error, severity="error", markup=False)
            return
        if message.replace:
            self.rows = {}
        for offset, row in enumerate(message.rows):
            self.rows[message.start + offset] = row
        if message.replace:
            self._follow_kept_row()
        if message.rows and len(message.rows) < PAGE and message.start + len(message.rows) > self.total:
            self.total = message.start + len(message.rows)  # the count is behind: trust what we saw
        self._trim()
        if self._counted != self.generation:
            self._counted = self.generation
            self._start_count()
        self.loaded_once = True
        self._resize()
        self.refresh()
        if self.current is not None:
            self.post_message(self.Highlighted(self.current))

    def _follow_kept_row(self) -> None:
        """After a reload: the cursor stays on the row it was on when that row is still in the
        window (rows added or removed above it moved it); otherwise it keeps its position."""
        keep, self._keep_id = self._keep_id, None
        if keep is None:
            return
        for index, row in self.rows.items():
            if getattr(row, "id", None) == keep:
                if index != self.cursor:
                    self.cursor = index
                    top = int(self.scroll_offset.y)
                    if index < top:
                        self.scroll_to(y=index, animate=False)
                    elif index >= top + self.visible_rows:
                        self.scroll_to(y=index - self.visible_rows + 1, animate=False)
                return

    def _trim(self) -> None:
        if len(self.rows) <= KEEP:
            return
        middle = self.cursor
        for index in sorted(self.rows, key=lambda i: -abs(i - middle))[: len(self.rows) - KEEP]:
            del self.rows[index]

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, max(self.total, len(self.rows)) + 1)

    def _want(self, index: int) -> None:
        """Ask for the page holding ``index``, from the nearest row whose key we know."""
        if self.source is None or index in self.rows or index < 0 or (self.total and index >= self.total):
            return
        page_start = index - index % PAGE
        if page_start in self._pending:
            return
        self._pending.add(page_start)
        known = sorted(self.rows)
        after = [i for i in known if i < index]
        before = [i for i in known if i > index]
        gen = self.generation
        self._far = (
            page_start
            if not (before and before[0] - index <= PAGE) and not (after and index - after[-1] <= STEP)
            else self._far
        )
        if before and before[0] - index <= PAGE:
            self._fetch(before[0], self.rows[before[0]].key, "before", gen, page=page_start)
        elif after and index - after[-1] <= STEP:
            last = after[-1]
            self._fetch(last + 1, self.rows[last].key, "after", gen, walk=index - last - 1, page=page_start)
        elif self.total and self.total - index <= PAGE:
            self._fetch(self.total, None, "before", gen, page=page_start)  # the end: keyset back from the top
        elif after:
            last = after[-1]
            self._fetch(last + 1, self.rows[last].key, "after", gen, walk=index - last - 1, page=page_start)
        else:
            self._fetch(0, None, "after", gen, walk=index, page=page_start)

    # ------------------------------------------------------------ painting
    def _layout(self, width: int) -> list[tuple[int, int]]:
        """(column index, width) of the columns that fit, the flex one taking what is left."""
        chosen = list(range(len(self.columns)))
        gap = 1

        def need(idx: list[int]) -> int:
            return sum(self.columns[i].width for i in idx) + gap * (len(idx) - 1)

        while len(chosen) > 1 and need(chosen) > width:
            drop = min(chosen, key=lambda i: (self.columns[i].priority, -i))
            chosen.remove(drop)
        spare = max(0, width - need(chosen))
        out = []
        for i in chosen:
            w = self.columns[i].width + (spare if self.columns[i].flex else 0)
            out.append((i, w))
        return out

    def _line(self, texts: list[Text], layout: list[tuple[int, int]], style: Style) -> Strip:
        line = Text(no_wrap=True, overflow="ellipsis")
        for n, (i, w) in enumerate(layout):
            cell = texts[i].copy() if i < len(texts) else Text("")
            cell.truncate(w, overflow="ellipsis", pad=True)
            line.append_text(cell)
            if n < len(layout) - 1:
                line.append(" ")
        segments = list(line.render(self.app.console))
        width = self.scrollable_content_region.width
        return Strip(Segment.apply_style(segments, post_style=None, style=style), line.cell_len).adjust_cell_length(
            width, style
        )

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        layout = self._layout(width)
        base = self.rich_style
        if y == 0:  # a header that stays put while the rows scroll under it
            head = [Text(c.label, style="bold") for c in self.columns]
            return self._line(head, layout, base + Style(bold=True, underline=True))
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total and index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows.get(index)
        if row is None:
            self.call_later(self._want, index)
            return self._line([Text("…", style="dim")], layout, base)
        style = base + Style(reverse=True) if index == self.cursor and self.has_focus else base
        if index == self.cursor and not self.has_focus:
            style = base + Style(underline=True)
        return self._line(self.cells(row), layout, style)

    @property
    def visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # ------------------------------------------------------------ moving
    def _go(self, index: int) -> None:
        if self.total <= 0:
            return
        self.cursor = max(0, min(index, self.total - 1))
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.visible_rows:
            self.scroll_to(y=self.cursor - self.visible_rows + 1, animate=False)
        self._want(self.cursor)
        self.refresh()
        if self.current is not None:
            self.post_message(self.Highlighted(self.current))

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._go(self.cursor + step * self.visible_rows)

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(self.total - 1)

    def action_choose(self) -> None:
        if self.current is not None:
            self.post_message(self.Chosen(self.current))

    def on_click(self, event: Any) -> None:
        y = event.y
        if y >= 1:
            self._go(int(self.scroll_offset.y) + y - 1)
            self.action_choose()

    def select_id(self, row_id: int) -> bool:
        """Move the cursor to a loaded row with this id, if it is in the window."""
        for index, row in self.rows.items():
            if getattr(row, "id", None) == row_id:
                self._go(index)
                return True
        return False

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
