"""A read-only panel showing DOC text exactly as it will be pasted (S5).

The text is customer and officer input, so it is shown as a plain ``Text``
and never parsed as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class DocPreview(Static):
    """The DOC text, byte for byte, in a bordered panel; focusable, so it is reached by
    keys (Tab, or the builder's ctrl+t) and scrolled into view at 80 columns."""

    can_focus = True

    DEFAULT_CSS = """
    DocPreview {
        border: round $primary;
        border-title-color: $text-primary;
        padding: 0 1;
        height: auto;
        min-height: 5;
    }
    DocPreview:focus {
        border: round $accent;
        background-tint: $foreground 5%;
    }
    DocPreview.-placeholder {
        color: $text-muted;
    }
    """

    def __init__(self, placeholder: str = "", *, id: str | None = None) -> None:
        super().__init__(Text(placeholder), markup=False, id=id)
        self.border_title = "DOC preview"
        self.placeholder = placeholder
        self.text = ""

    def show_text(self, text: str) -> None:
        """Show the DOC text; ``self.text`` keeps it for copying."""
        self.text = text
        self.set_class(not text, "-placeholder")
        self.update(Text(text or self.placeholder))
