"""Who am I: a picker of the site's staff, shown only on a SQLite desk when no logon matched;
and the one message shown when the database login is no one who may sign in (R7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
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

    async def on_mount(self) -> None:
        app: TpsApp = self.app  # type: ignore[assignment]
        staff = await app.in_thread(self._staff, app)
        options = self.query_one(OptionList)
        for s in staff:
            options.add_option(Option(Text(f"{s.logon:<10} {s.name}  ({s.role}, {s.site})"), id=s.logon))
        options.focus()

    def _staff(self, app: TpsApp) -> list[Any]:
        """In a thread: the site's active staff, else everyone active."""
        from tpsdesk.services import setup

        return [s for s in setup.list_staff(app.desk, site=self.site) if s.active] or [
            s for s in setup.list_staff(app.desk) if s.active
        ]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SignInRefused(ModalScreen[None]):
    """Why nobody can be signed in (a --user that is not the PostgreSQL login, a login that is
    no staff member's, the floor's owner on a set-up floor); any key listed leaves the app."""

    BINDINGS = [
        Binding("escape", "leave", "Quit", id="refused.quit", tooltip="Leave tpsdesk"),
        Binding("enter", "leave", "Quit", show=False, id="refused.enter", tooltip="Leave tpsdesk"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label("tpsdesk cannot sign you in", markup=False, id="picker-title")
            yield Static(self.message, markup=False, id="refused-message")
            yield Label("Esc or Enter: quit", markup=False)

    def action_leave(self) -> None:
        self.dismiss(None)
