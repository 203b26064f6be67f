"""A text editor for free text that has a maximum (a note, the intake's help text).

Nothing is checked or highlighted per key over the whole text: a key costs what the
editor itself costs, and the length is counted (``len``, in C) for the note beside the
field. Past the maximum the text is not wrapped: wrapping a pasted megabyte costs the
editor seconds on every key, while the text cannot be saved anyway. The save is refused
by the service with the length (``services.boundary``), and everything typed stays.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import TextArea

from tpsdesk.text import too_long

# The length shows from this share of the maximum on (a note near it says how near).
NEAR = 0.8


class LongText(TextArea):
    """A ``TextArea`` with a maximum length ``limit``; ``what`` names it ("the note")."""

    def __init__(self, text: str = "", *, limit: int, what: str, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.limit = limit
        self.what = what
        self._wraps = self.soft_wrap  # as asked for; off only while the text is too long

    async def _on_paste(self, event: events.Paste) -> None:
        # Textual runs this, then TextArea's own handler (which inserts): one insert.
        if self.soft_wrap and len(event.text) > self.limit:
            self.soft_wrap = False  # before the insert, so the page is never wrapped

    @property
    def length(self) -> int:
        return len(self.text)

    def length_note(self, length: int | None = None) -> str:
        """The length against the maximum, once the text nears it ("" before)."""
        n = self.length if length is None else length
        if n > self.limit:
            return too_long(self.what, n, self.limit, hint="shorten it" + self._split_hint())
        if n >= self.limit * NEAR:
            return f"{n:,} of at most {self.limit:,} characters"
        return ""

    def _split_hint(self) -> str:
        return " or split it into notes" if self.what.endswith("note") else ""

    def fit_wrap(self, length: int | None = None) -> None:
        """Wrap as asked while the text fits; not past the maximum."""
        n = self.length if length is None else length
        wanted = self._wraps and n <= self.limit
        if self.soft_wrap != wanted:
            self.soft_wrap = wanted
