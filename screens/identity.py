"""Who am I: a picker of the site's staff, shown only when no logon matched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from screens.app import TpsApp


class UserPicker(ModalScreen[str | None]):
    """Choose your staff logon; Enter picks, Escape leaves the app."""

    BINDINGS = [
        Binding("escape", "cancel", "Quit", id="picker.cancel", tooltip="Leave without choosing"),
    ]

    def __init__(self, site: str | None = None) -> None:
        super().__init__()
        self.site = site

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label("Who are you? Choose your logon (Enter).", markup=False, id="picker-title")
            yield OptionList(id="picker-list")

    def on_mount(self) -> None:
        from tpsdesk.services import setup

        app: TpsApp = self.app  # type: ignore[assignment]
        staff = [s for s in setup.list_staff(app.desk, site=self.site) if s.active] or [
            s for s in setup.list_staff(app.desk) if s.active
        ]
        options = self.query_one(OptionList)
        for s in staff:
            options.add_option(Option(Text(f"{s.logon:<10} {s.name}  ({s.role}, {s.site})"), id=s.logon))
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
