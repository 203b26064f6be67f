"""F1 help: every key of the screen you came from, then the keys that work everywhere."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import DataTable, Static

from screens.base import DeskScreen

if TYPE_CHECKING:
    from screens.app import TpsApp


def _key(node: DOMNode, binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return ", ".join(node.app.get_key_display(replace(binding, key=k.strip())) for k in binding.key.split(","))


def bindings_of(node: DOMNode) -> list[Binding]:
    """The bindings a node declares (its own BINDINGS merged by Textual)."""
    seen: list[Binding] = []
    for bindings in node._bindings.key_to_bindings.values():
        seen.extend(bindings)
    return seen


def screen_keys(screen: DOMNode) -> list[tuple[str, str, str]]:
    """(key, what it does, where) for the screen and the desk's own widgets on it.

    Only the desk's own bindings (they all carry an ``id``); Textual's built-in
    scrolling keys are left out, and Tab is listed once by the app's part."""
    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    nodes = [screen, *screen.walk_children()]
    for node in nodes:
        if not type(node).__module__.startswith("screens."):
            continue
        for binding in bindings_of(node):
            what = binding.tooltip or binding.description or binding.action
            mark = (binding.key, what)
            if mark in seen or binding.system or not binding.id:
                continue
            seen.add(mark)
            where = "this screen" if node is screen else type(node).__name__
            rows.append((_key(screen, binding), what, where))
    return rows


class HelpScreen(DeskScreen):
    """Lists keys; Escape or F1 goes back to where you were."""

    TITLE = "Help"
    BINDINGS = [
        Binding("escape", "back", "Back", id="help.back", tooltip="Back to the screen you came from"),
        Binding("q", "back", "Back", show=False, id="help.back_q", tooltip="Back to the screen you came from"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="help-title", markup=False)
        yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "What it does", "Where")

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.fill()

    def fill(self) -> None:
        app: TpsApp = self.app  # type: ignore[assignment]
        target = app.help_target
        name = getattr(target, "TITLE", None) or (type(target).__name__ if target else "")
        self.query_one("#help-title", Static).update(f"Keys of: {name}")
        table = self.query_one("#help-keys", DataTable)
        table.clear()
        if target is not None:
            for key, what, where in screen_keys(target):
                table.add_row(Text(key, style="bold"), Text(what), Text(where))
        for key, what, _ in screen_keys_of_app(app):
            table.add_row(Text(key, style="bold"), Text(what), Text("everywhere"))
        table.focus()

    def action_back(self) -> None:
        app: TpsApp = self.app  # type: ignore[assignment]
        app.show_screen(app.help_return)


def screen_keys_of_app(app: TpsApp) -> list[tuple[str, str, str]]:
    rows = []
    for binding in app.BINDINGS:
        assert isinstance(binding, Binding)
        rows.append((_key(app, binding), binding.tooltip or binding.description, "everywhere"))
    rows.append(("^p", "Command palette: any screen, an escalation by id or CRN", "everywhere"))
    rows.append(("tab", "Next field or pane (shift+tab: previous)", "everywhere"))
    return rows
