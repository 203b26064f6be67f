"""A labelled form field with its live message beside it (I4, S1, S2).

The row is label | field | message; a wide field (``stack=True``) has its
message right under it, and a screen's stylesheet may stack every row at
narrow widths (``.-narrow FieldRow``). Labels and messages are plain text.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Label


class FieldRow(Container):
    """One field of a form; ``set_error`` shows or clears its message."""

    DEFAULT_CSS = """
    FieldRow {
        layout: grid;
        grid-size: 3;
        grid-columns: 20 1fr 1fr;
        grid-rows: auto;
        grid-gutter: 0 1;
        height: auto;
        margin: 0 0 1 0;
    }
    FieldRow > .field-label {
        width: 100%;
        padding: 0 0 0 1;
        color: $text-muted;
    }
    FieldRow > .field-error {
        color: $text-error;
        width: 100%;
    }
    FieldRow > .field-error.-empty {
        visibility: hidden;
    }
    FieldRow.-stack {
        grid-size: 2;
        grid-columns: 20 1fr;
    }
    FieldRow.-stack > .field-error {
        column-span: 2;
        padding: 0 0 0 21;
    }
    FieldRow.-stack > .field-error.-empty {
        display: none;
    }
    """

    def __init__(
        self,
        label: str,
        field: Widget,
        *,
        required: bool = False,
        stack: bool = False,
        id: str | None = None,
        classes: str = "",
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.set_class(stack, "-stack")
        self.field = field
        self.required = required
        self.label = label
        self._label = Label(Text(label + (" *" if required else "")), classes="field-label", markup=False)
        self._error = Label("", classes="field-error -empty", markup=False)
        self.error = ""

    def compose(self) -> ComposeResult:
        yield self._label
        yield self.field
        yield self._error

    def set_required(self, required: bool) -> None:
        """Mark the field required (``*``) or not, e.g. when the requester kind changes."""
        if required != self.required:
            self.required = required
            self._label.update(Text(self.label + (" *" if required else "")))

    def set_error(self, message: str | None) -> None:
        self.error = message or ""
        self._error.update(Text(self.error))
        self._error.set_class(not self.error, "-empty")
