"""The tpsdesk App: who am I, screen switching (modes), global F-keys, the palette.

Screens are Textual MODES, each imported lazily by module path so a screen
that is not built yet shows a placeholder instead of breaking the app. The
F-keys are App bindings with ``priority=True`` so they work while a text field
has focus. Database work happens in thread workers inside the screens; the
little done here at start-up (who am I) is a couple of indexed reads.

The app starts the change feed (``tpsdesk.changes``) on mount: its own thread hears
other processes' commits and posts :class:`FloorChanged`; the handler hands the
changes to each open screen that has a ``floor_changed`` method, which reloads in
its own workers. The feed stops when the app unmounts.
"""

from __future__ import annotations

import getpass
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from screens.widgets import DeskHeader, DeskScreen
from tpsdesk import changes
from tpsdesk.domain.facts import Actor
from tpsdesk.errors import TpsError
from tpsdesk.services.desk import Desk, open_desk


@dataclass(frozen=True)
class ScreenSpec:
    """Where a mode's screen lives, and how people find it."""

    module: str
    cls: str
    title: str
    key: str


# name -> screen; F-key order follows the issue (F1 help ... F6 dashboard).
SCREENS: dict[str, ScreenSpec] = {
    "help": ScreenSpec("screens.help", "HelpScreen", "Help: keys of this screen", "f1"),
    "intake": ScreenSpec("screens.intake", "IntakeScreen", "Intake checklist", "f2"),
    "queue": ScreenSpec("screens.queue", "QueueScreen", "Escalation queue", "f3"),
    "stop_payment": ScreenSpec("screens.stop_payment", "StopPaymentScreen", "Stop-payment DOC builder", "f4"),
    "calendar": ScreenSpec("screens.calendar", "CalendarScreen", "Follow-up calendar", "f5"),
    "dashboard": ScreenSpec("screens.dashboard", "DashboardScreen", "Team Leader dashboard", "f6"),
}

# R1-R4: the screen a role starts on.
HOME_BY_ROLE = {"SO": "intake", "TPS": "intake", "SP": "queue", "SSO": "queue", "TL": "dashboard"}


class PlaceholderScreen(DeskScreen):
    """Stands in for a screen whose module is not built yet."""

    def __init__(self, name: str, reason: str = "") -> None:
        super().__init__(name=name)
        self.reason = reason

    def compose_body(self) -> ComposeResult:
        spec = SCREENS.get(self.name or "")
        title = spec.title if spec else self.name
        yield Static(f"{title}: not available yet in this build.\n{self.reason}", markup=False, id="placeholder")


class BlankScreen(DeskScreen):
    """Shown under the first-run and who-am-I dialogs before a user is known."""


def load_screen(name: str) -> Screen:
    """Import the screen's module on first use; a missing module gives a placeholder."""
    spec = SCREENS[name]
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        if exc.name != spec.module:
            return PlaceholderScreen(name, f"it needs {exc.name}, which is missing: {exc}")
        return PlaceholderScreen(name)
    except ImportError as exc:  # a screen whose services are not built yet
        return PlaceholderScreen(name, str(exc))
    cls = getattr(module, spec.cls, None)
    if cls is None:
        return PlaceholderScreen(name, f"{spec.module} has no {spec.cls}")
    return cls()


def _factory(name: str) -> Callable[[], Screen]:
    def make() -> Screen:
        return load_screen(name)

    return make


class FloorChanged(Message):
    """Another process (or this one) committed a change to the floor's database."""

    def __init__(self, found: changes.Changes) -> None:
        super().__init__()
        self.changes = found


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


class TpsApp(App):
    """The desk. ``desk`` and ``user`` may be given (tests); else opened from ``db``."""

    TITLE = "tpsdesk"
    CSS_PATH = "tpsdesk.tcss"
    MODES = {name: _factory(name) for name in SCREENS} | {"_start": BlankScreen}
    DEFAULT_MODE = "_start"
    COMMAND_PALETTE_BINDING = "ctrl+p"
    COMMANDS = App.COMMANDS | {lambda: _desk_commands()}

    BINDINGS = [
        Binding("f1", "help", "Help", priority=True, id="app.help", tooltip="List every key of this screen"),
        Binding(
            "f2", "show('intake')", "Intake", show=False, priority=True, id="app.intake", tooltip="Intake checklist"
        ),
        Binding("f3", "show('queue')", "Queue", show=False, priority=True, id="app.queue", tooltip="Escalation queue"),
        Binding(
            "f4",
            "show('stop_payment')",
            "Stop pay",
            show=False,
            priority=True,
            id="app.stop_payment",
            tooltip="Stop-payment DOC builder",
        ),
        Binding(
            "f5",
            "show('calendar')",
            "Calendar",
            show=False,
            priority=True,
            id="app.calendar",
            tooltip="Follow-up calendar",
        ),
        Binding(
            "f6",
            "show('dashboard')",
            "Dashboard",
            show=False,
            priority=True,
            id="app.dashboard",
            tooltip="Team Leader dashboard",
        ),
        Binding("f7", "overdue", "Overdue", priority=True, id="app.overdue", tooltip="Quick overdue lookup"),
        Binding(
            "o",
            "overdue_key",
            "Overdue",
            show=False,
            id="app.overdue_o",
            tooltip="Quick overdue lookup (no text field focused)",
        ),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit", tooltip="Leave tpsdesk"),
    ]

    def __init__(
        self,
        desk: Desk | None = None,
        user: str | None = None,
        *,
        db: str | None = None,
        site: str | None = None,
        live: bool = True,
    ) -> None:
        super().__init__()
        if desk is None:
            desk = open_desk(db, create_if_empty=True)  # the first run creates the schema; else 'db upgrade'

        self.desk: Desk = desk
        self.site_override = (site or os.environ.get("TPSDESK_SITE") or "").upper() or None
        self.requested_user = user or os.environ.get("TPSDESK_USER") or ""
        self.user: str = ""
        self.actor: Actor | None = None
        self.role = ""
        self.centre = ""
        self.site = ""
        self.zone = "Australia/Sydney"
        self.help_target: Screen | None = None
        self.help_return = "queue"
        self.live = live  # False: no change feed (screens fall back to their timers)
        self.feed: changes.ChangeFeed | None = None

    # ------------------------------------------------------------ live floor
    @property
    def feed_live(self) -> bool:
        """The feed holds a connection: screens may leave reloading to it."""
        return self.feed is not None and self.feed.connected.is_set()

    def _start_feed(self) -> None:
        # watch() returns at once: connecting and listening happen on the feed's own thread.
        if self.live and self.feed is None:
            self.feed = changes.watch(self.desk.store, self._heard)

    def _heard(self, found: changes.Changes) -> None:
        """On the feed's thread: hand over to the event loop (post_message is thread-safe)."""
        self.post_message(FloorChanged(found))

    def on_floor_changed(self, message: FloorChanged) -> None:
        if not self.actor:
            return
        for screen in list(self.screen_stack):
            handler = getattr(screen, "floor_changed", None)
            if callable(handler) and screen.is_mounted:
                handler(message.changes)

    def on_unmount(self) -> None:
        if self.feed is not None:
            self.feed.stop()
            self.feed = None

    # ------------------------------------------------------------ who am I
    def on_mount(self) -> None:
        from tpsdesk.services import setup

        self._start_feed()

        try:
            if setup.is_empty(self.desk):
                from screens.first_run import FirstRunScreen

                self.push_screen(FirstRunScreen(), self._after_first_run)
                return
            logon = self._match_user(self.requested_user or os_user())
        except TpsError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if logon:
            self.sign_in(logon)
        else:
            self._pick_user()

    def _match_user(self, candidate: str) -> str | None:
        """``--user``, ``TPSDESK_USER`` or the OS user, matched to an active staff logon."""
        from tpsdesk.services import setup

        if not candidate:
            return None
        staff = {s.logon.lower(): s for s in setup.list_staff(self.desk) if s.active}
        found = staff.get(candidate.lower())
        if found is None and self.requested_user:
            self.notify(
                f"{candidate!r} is not a staff logon here: choose who you are", severity="warning", markup=False
            )
        return found.logon if found else None

    def _pick_user(self) -> None:
        from screens.identity import UserPicker

        self.push_screen(UserPicker(site=self.site_override), self._after_pick)

    def _after_pick(self, logon: str | None) -> None:
        if logon:
            self.sign_in(logon)
        else:
            self.exit()

    def _after_first_run(self, logon: str | None) -> None:
        if logon is None:
            self.exit()
            return
        found = self._match_user(logon or self.requested_user or os_user())
        if found:
            self.sign_in(found)
        else:
            self._pick_user()

    def sign_in(self, logon: str) -> None:
        """Become ``logon``: header, home screen by role (R1-R4)."""
        from tpsdesk.services import setup

        self.actor = setup.whoami(self.desk, logon)
        self.user = self.actor.logon
        self.role = self.actor.role
        staff = next(s for s in setup.list_staff(self.desk) if s.logon == self.user)
        sites = {s.code: s for s in setup.list_sites(self.desk)}
        self.centre = staff.centre
        self.site = self.site_override if self.site_override in sites else staff.site
        self.zone = sites[self.site].zone if self.site in sites else self.zone
        self.sub_title = self.header_text()
        self.show_screen(HOME_BY_ROLE.get(self.role, "queue"))

    def header_text(self) -> str:
        if not self.actor:
            return "tpsdesk"
        local = self.desk.now().astimezone(ZoneInfo(self.zone))
        return f"tpsdesk │ {self.actor.name} ({self.user}) {self.role} │ {self.site} │ {local:%a %d %b %H:%M %Z}"

    # ------------------------------------------------------------ switching
    def show_screen(self, name: str) -> None:
        """Switch to a screen by mode name; ``help`` shows the keys of the screen you were on."""
        if name == "help":
            self.action_help()
            return
        if name not in SCREENS:
            self.notify(f"no screen called {name!r}", severity="error", markup=False)
            return
        if not self.actor:
            self.notify("choose who you are first", severity="warning", markup=False)
            return
        if self._close_modals():
            self.switch_mode(name)

    def _close_modals(self) -> bool:
        """Close lookups before switching; an open form dialog keeps its typed text and stays."""
        from screens.widgets.action_dialogs import FormDialog

        if any(isinstance(s, FormDialog) for s in self.screen_stack):
            self.notify("Finish the dialog (ctrl+s) or cancel it (Esc) first.", severity="warning", markup=False)
            return False
        while len(self.screen_stack) > 1:
            self.pop_screen()
        return True

    def action_show(self, name: str) -> None:
        self.show_screen(name)

    def action_help(self) -> None:
        if not self.actor:
            return
        if self.current_mode != "help":
            target, back = self.screen, self.current_mode
            if self._close_modals():
                self.help_target, self.help_return = target, back
                self.switch_mode("help")

    def action_overdue(self) -> None:
        if not self.actor:
            return
        from screens.overdue import OverdueScreen

        if not isinstance(self.screen, OverdueScreen):
            self.push_screen(OverdueScreen())

    def action_overdue_key(self) -> None:
        self.action_overdue()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # 'o' must type into a focused text field, not open the lookup.
        return not (action == "overdue_key" and self.focused is not None and _is_text_field(self.focused))

    def open_escalation(self, escalation_id: int) -> None:
        """Switch to the queue and show that escalation's detail."""
        self.show_screen("queue")
        screen = self.screen
        if hasattr(screen, "open_escalation"):
            screen.open_escalation(escalation_id)

    def open_stop_payment(self, crn: str = "") -> None:
        """Switch to the stop-payment DOC builder with the CRN carried over (I2.7)."""
        self.show_screen("stop_payment")
        prefill = getattr(self.screen, "prefill", None)
        if prefill is not None and crn:
            prefill(crn)

    def refresh_header(self) -> None:
        self.sub_title = self.header_text()
        for header in self.screen.query(DeskHeader):
            header.refresh_text()


def _desk_commands() -> type:
    from screens.palette import DeskCommands

    return DeskCommands


def _is_text_field(widget: object) -> bool:
    from textual.widgets import Input, TextArea

    return isinstance(widget, Input | TextArea)


def run(db: str | None = None, user: str | None = None, site: str | None = None, desk: Desk | None = None) -> None:
    """Entry point of ``tpsdesk tui``: the desk (opened and migrated here when not given), who am I, run."""
    TpsApp(desk=desk, user=user, db=db, site=site).run()
