"""Ask before something a person typed is thrown away (ctrl+n on a form, ctrl+q)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static


class ConfirmDiscard(ModalScreen[bool]):
    """True when the person chose to discard; False (Esc, n, Keep) keeps everything as it was."""

    BINDINGS = [
        Binding("y", "answer(True)", "Discard", id="confirm.discard", tooltip="Throw the typed text away"),
        Binding("n,escape", "answer(False)", "Keep", id="confirm.keep", tooltip="Go back to what you typed"),
    ]

    def __init__(self, what: str, then: str) -> None:
        """``what``: the unsaved text, named for a person; ``then``: what discarding goes on to do."""
        super().__init__(id="confirm-discard")
        self.what, self.then = what, then

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog confirm-dialog"):
            yield Label("Discard what you typed?", markup=False, classes="dialog-title")
            yield Static(f"{self.what} is not saved. Discard it and {self.then}?", markup=False, id="confirm-text")
            with Horizontal(classes="buttons"):
                yield Button("Discard (y)", id="discard", variant="error")
                yield Button("Keep editing (n, Esc)", id="keep", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # the safe choice is the default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "discard")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)
