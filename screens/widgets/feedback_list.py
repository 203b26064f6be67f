"""The feedback items a Team Leader receives (E7, R4), read-only in a modal.

Opened from the dashboard (``f``) with the rows already read in a worker: this screen
never touches the database. Every value is the person's own text, shown as plain text
(``Text``, ``markup=False``): a ``[bold`` in a finding is shown, never applied.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tpsdesk.services.feedback import FeedbackView

KIND_WORDS = {
    "feedback": "Feedback: incorrect information confirmed (E7)",
    "concern": "Concern: not yet found out (E7)",
    "unfounded": "Concern found unfounded (E7)",
    "conduct": "Conduct concern (I10)",
}


def feedback_text(items: list[FeedbackView], me: str, local: Callable[[datetime], datetime] = lambda t: t) -> Text:
    """One block per item, newest first: what it is, who and when, then its text as typed."""
    out = Text()
    if not items:
        out.append("No feedback has been sent to you or raised by you.", style="dim")
        return out
    for n, f in enumerate(items):
        if n:
            out.append("\n\n")
        out.append(f"#{f.id} ", style="bold")
        out.append(KIND_WORDS.get(f.kind, f.kind), style="bold")
        out.append(f"\n{local(f.created_at):%a %d %b %Y %H:%M}")
        if f.raised_by:
            out.append(f" · raised by {f.raised_by}")
        if f.about:
            out.append(f" · about {f.about}")
        if f.to:
            to = "you" if f.to == me else f"{f.to_name or f.to} ({f.to})"
            out.append(f" · to {to}")
        if f.route:
            out.append(f" · {f.route}")
        if f.text:
            out.append("\n")
            out.append(Text(f.text))  # the person's words: plain text, never markup
    return out


class FeedbackList(ModalScreen[None]):
    """Read-only: Escape closes it."""

    BINDINGS = [Binding("escape", "close", "Close", id="feedback.close", tooltip="Close the feedback list")]

    def __init__(self, items: list[FeedbackView], me: str, local: Callable[[datetime], datetime] = lambda t: t) -> None:
        super().__init__(id="feedback-list")
        self.items = items
        self.me = me
        self.local = local  # the signed-in officer's site time (C9)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="feedback-body"):
            yield Label(
                f"Feedback for {self.me} (E7) · {len(self.items)} item(s) · Esc closes",
                classes="dialog-title",
                markup=False,
            )
            yield Static(feedback_text(self.items, self.me, self.local), id="feedback-items", markup=False)

    def on_mount(self) -> None:
        self.query_one("#feedback-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
