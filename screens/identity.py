"""Who am I: a type-ahead picker of the site's staff, shown only on a SQLite desk when no
logon matched; and the one message shown when the database login is no one who may sign in (R7).

The picker loads the staff in a thread worker (it says so meanwhile) and filters as you
type, by logon or name: logons that start with what you typed first, then a logon's part
after a '.' or a word of a name that starts with it, then any that contain it. Enter picks the highlighted person,
the arrows move, Escape leaves."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import desk_app, error_text, run_service
from tpsdesk.errors import TpsError
from tpsdesk.services.desk import Desk
from tpsdesk.services.setup import StaffView


def rank(query: str, staff: Sequence[StaffView]) -> list[StaffView]:
    """The staff matching ``query`` (logon or name, any case), best first: a logon that starts
    with it, then a logon part after a '.' (``adl.so1``) or a word of the name that starts
    with it, then any that contain it; alphabetical by logon within each."""
    q = query.strip().lower()
    if not q:
        return list(staff)
    scored: list[tuple[int, str, StaffView]] = []
    for s in staff:
        logon, name = s.logon.lower(), s.name.lower()
        if logon.startswith(q):
            score = 0
        elif any(part.startswith(q) for part in logon.split(".")[1:] + name.split()):
            score = 1
        elif q in logon or q in name:
            score = 2
        else:
            continue
        scored.append((score, logon, s))
    return [s for _score, _logon, s in sorted(scored, key=lambda t: (t[0], t[1]))]


class UserPicker(ModalScreen[str | None]):
    """Choose your staff logon: type to filter, Enter picks, Escape leaves the app."""

    BINDINGS = [
        Binding("escape", "cancel", "Quit", id="picker.cancel", tooltip="Leave without choosing"),
        Binding("down", "move(1)", "Next", show=False, id="picker.down", tooltip="Highlight the next person"),
        Binding("up", "move(-1)", "Previous", show=False, id="picker.up", tooltip="Highlight the previous person"),
        Binding("pagedown", "move(10)", "Page down", show=False, id="picker.pagedown", tooltip="Ten people down"),
        Binding("pageup", "move(-10)", "Page up", show=False, id="picker.pageup", tooltip="Ten people up"),
    ]

    def __init__(self, site: str | None = None) -> None:
        super().__init__()
        self.site = site
        self.staff: list[StaffView] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog"):
            yield Label("Who are you? Type your logon or name, then Enter.", markup=False, id="picker-title")
            yield Input(placeholder="logon or name", id="picker-filter", compact=True)
            yield Static("Loading the staff list...", markup=False, id="picker-status")
            yield OptionList(id="picker-list")

    async def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()
        options = self.query_one(OptionList)
        options.loading = True
        app = desk_app(self.app)
        try:
            # Awaited in a thread worker: the loop stays free, and typing waits in the queue.
            self.staff = await app.in_thread(self._load, app.desk)
        except TpsError as exc:
            self._status(error_text(exc))
            return
        finally:
            options.loading = False
        self.loaded = True
        self._show()

    def _load(self, desk: Desk) -> list[StaffView]:
        """In a thread (no widgets here): the site's active staff, else everyone active."""
        from tpsdesk.services import setup

        def active(site: str | None) -> list[StaffView]:
            return [s for s in setup.list_staff(desk, site=site) if s.active]

        return run_service(lambda: active(self.site) or active(None))

    @on(Input.Changed, "#picker-filter")
    def _typed(self) -> None:
        if self.loaded:
            self._show()

    def _show(self) -> None:
        """The staff matching what is typed, the best highlighted."""
        typed = self.query_one("#picker-filter", Input).value
        found = rank(typed, self.staff)
        options = self.query_one(OptionList)
        options.set_options(Option(Text(f"{s.logon:<10} {s.name}  ({s.role}, {s.site})"), id=s.logon) for s in found)
        options.highlighted = 0 if found else None
        if not found:
            self._status(f"Nobody's logon or name matches {typed.strip()!r}.")
        else:
            self._status(f"{len(found)} of {len(self.staff)}: Enter picks the highlighted, arrows move.")

    def _status(self, text: str) -> None:
        self.query_one("#picker-status", Static).update(Text(text))

    def action_move(self, by: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else 0
            options.highlighted = max(0, min(options.option_count - 1, now + by))

    @on(Input.Submitted, "#picker-filter")
    def _pick_highlighted(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

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
