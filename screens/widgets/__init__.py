"""Widgets shared by every screen: the desk header and the base screen class.

A screen subclasses :class:`DeskScreen` and yields its body from
``compose_body``; the header (user, role, site, local time) and the footer
come for free. Screens that compose themselves can ``yield DeskHeader()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

if TYPE_CHECKING:
    from screens.app import TpsApp


class DeskHeader(Static):
    """One line: app name, the signed-in officer, role, site and site-local time.

    The time comes from ``desk.now()`` so a test's FakeClock gives a stable header.
    """

    DEFAULT_CSS = """
    DeskHeader {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = "desk-header") -> None:
        super().__init__("", markup=False, id=id)

    def on_mount(self) -> None:
        self.refresh_text()
        self.set_interval(30, self.refresh_text, name="header-clock")

    def refresh_text(self) -> None:
        app: TpsApp = self.app  # type: ignore[assignment]
        text = app.header_text() if hasattr(app, "header_text") else app.title
        screen_title = getattr(self.screen, "TITLE", None) or ""
        self.update(f"{text}  {screen_title}".rstrip() if screen_title else text)


class DeskScreen(Screen):
    """Base of the desk's screens: header on top, footer at the bottom."""

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        for header in self.query(DeskHeader):
            header.refresh_text()


class FormScreen(DeskScreen):
    """A form screen: a button runs the action named by its id (``#save`` -> ``action_save``)."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        action = getattr(self, f"action_{event.button.id}", None)
        if callable(action):
            event.stop()
            action()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Keep the focused field on screen at 80x24, where the whole body scrolls.
        event.widget.scroll_visible(animate=False)
