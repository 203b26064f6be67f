"""A scrolling pane that is a Tab stop only while it scrolls (80x24, issue 9 item 10).

A form's body is stacked and scrolls as one at 80 columns, while its inner panes grow to
their content and never scroll. A ``VerticalScroll`` would still take the focus there, a
Tab stop that does nothing and may sit off screen. A ``Pane`` takes the focus only when it
can scroll, so the keys reach what a scrolling body shows (arrows, PgUp/PgDn) and no more.
"""

from __future__ import annotations

from textual.containers import VerticalScroll


class Pane(VerticalScroll):
    """``VerticalScroll`` that is focusable only while it has something to scroll."""

    def allow_focus(self) -> bool:
        return self.can_focus and self.allow_vertical_scroll
