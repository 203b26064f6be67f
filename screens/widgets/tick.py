"""Check boxes and multiple-choice lists whose state shows by symbol, not colour alone:
a tick (✓) when chosen, blank when not (DESIGN.md: never colour alone; a monochrome
terminal or a screen reader of the text sees the state too)."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets._toggle_button import ToggleButton

TICKED, UNTICKED = "✓", " "


class Tick(Checkbox):
    """A checkbox drawn ✓ when ticked and blank when not."""

    @property
    def _button(self):  # type: ignore[no-untyped-def]
        self.BUTTON_INNER = TICKED if self.value else UNTICKED
        return super()._button


class TickList(SelectionList[str]):
    """A SelectionList drawn ✓ beside each chosen entry and blank beside the others."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return strip  # not an entry's line
        index = self.scroll_offset.y + y
        if not 0 <= index < self.option_count:
            return strip
        option = self.get_option_at_index(index)
        mark = TICKED if option.value in set(self.selected) else UNTICKED
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)
