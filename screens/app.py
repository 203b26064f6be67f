"""The tpsdesk App: who am I, screen switching (modes), global F-keys, the palette.

Screens are Textual MODES, each imported lazily by module path on first use (an
import error is a real failure, never hidden). The
F-keys are App bindings with ``priority=True`` so they work while a text field
has focus. Database work happens in thread workers inside the screens; who am I
(R7, ``services.identity``) is looked up in a thread worker that the app awaits
before it handles its next message: the event loop never waits on the database.

The app starts the change feed (``tpsdesk.changes``) on mount: its own thread hears
other processes' commits and posts :class:`FloorChanged`; the handler hands the
changes to each open screen that has a ``floor_changed`` method, which reloads in
its own workers. The feed stops when the app unmounts.

After sign-in the app holds one frozen :class:`~screens.context.DeskSession`; screens read
it through ``DeskScreen.session``. Screens navigate by posting the typed messages of
``screens.messages`` (``OpenEscalation``, ``OpenStopPayment``, ``ShowQueue``,
``ShowScreen``), which the app handles by switching mode and calling the target screen's
typed method. A worker that fails with an error nobody expected is shown as one line by
``on_worker_state_changed`` and its traceback goes to the log.
"""

from __future__ import annotations

import asyncio
import gc
import getpass
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerFailed, WorkerState

from screens.base import DeskScreen, FloorAware
from screens.context import DeskSession
from screens.messages import OpenEscalation, OpenStopPayment, ShowQueue, ShowScreen
from screens.stylesheet import DeskStylesheet
from screens.terminal import TerminalWatch
from screens.widgets.confirm import ConfirmDiscard
from screens.widgets.header import DeskHeader
from tpsdesk import changes, faults
from tpsdesk.errors import TpsError
from tpsdesk.services.desk import Desk
from tpsdesk.services.identity import POSTGRESQL, Identity
from tpsdesk.services.setup import SignIn

if TYPE_CHECKING:
    from screens.mail_sender import MailDelivered, MailSender

T = TypeVar("T")


@dataclass(frozen=True)
class ScreenSpec:
    """Where a mode's screen lives, and how people find it."""

    module: str
    cls: str
    title: str
    key: str


# name -> screen; F-key order follows the issue (F1 help ... F6 dashboard; F8 open contacts, issue 9;
# F9 the outbox, issue 11).
SCREENS: dict[str, ScreenSpec] = {
    "help": ScreenSpec("screens.help", "HelpScreen", "Help: keys of this screen", "f1"),
    "intake": ScreenSpec("screens.intake", "IntakeScreen", "Intake checklist", "f2"),
    "queue": ScreenSpec("screens.queue", "QueueScreen", "Escalation queue", "f3"),
    "stop_payment": ScreenSpec("screens.stop_payment", "StopPaymentScreen", "Stop-payment DOC builder", "f4"),
    "calendar": ScreenSpec("screens.calendar", "CalendarScreen", "Follow-up calendar", "f5"),
    "dashboard": ScreenSpec("screens.dashboard", "DashboardScreen", "Team Leader dashboard", "f6"),
    "contacts": ScreenSpec("screens.contacts", "ContactsScreen", "Open contacts", "f8"),
    "outbox": ScreenSpec("screens.outbox", "OutboxScreen", "Outbox: the mail the desk sends", "f9"),
}

# R1-R4: the screen a role starts on.
HOME_BY_ROLE = {"SO": "intake", "TPS": "intake", "SP": "queue", "SSO": "queue", "TL": "dashboard"}


class BlankScreen(DeskScreen):
    """Shown under the first-run and who-am-I dialogs before a user is known; says what the
    start-up is waiting for (the lookups run in thread workers)."""

    def __init__(self) -> None:
        super().__init__()
        self.status = Static("", id="start-status", markup=False)

    def compose_body(self) -> ComposeResult:
        yield self.status

    def say(self, text: str) -> None:
        self.status.update(Text(text))


def load_screen(name: str) -> Screen[Any]:
    """Import the screen's module on first use (so the app starts without every screen)."""
    spec = SCREENS[name]
    screen: Screen[Any] = getattr(importlib.import_module(spec.module), spec.cls)()
    return screen


def _settle_collector() -> None:
    """After a mode's first frame: the cyclic collector on (``tpsdesk tui`` starts with it off),
    and what is alive now (modules, the ORM's mappers, CSS, the screen's widgets) moved out of
    its reach, so no full collection over them lands in a later key press."""
    gc.enable()
    gc.freeze()


def _factory(name: str) -> Callable[[], Screen[Any]]:
    def make() -> Screen[Any]:
        screen = load_screen(name)
        # A new screen's widgets take the current styles as they mount, so the whole-app CSS
        # refresh Textual runs for a screen it has not styled yet (a re-parse and a restyle of
        # every node on every screen, 40-100 ms on a first open) would change nothing.
        screen._css_update_count = screen.app._css_update_count
        return screen

    return make


def _modes() -> dict[str, str | Callable[[], Screen[Any]]]:
    """Every screen as a mode (typed as ``App.MODES`` is), and the blank one under sign-in."""
    modes: dict[str, str | Callable[[], Screen[Any]]] = {name: _factory(name) for name in SCREENS}
    modes["_start"] = BlankScreen
    return modes


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


@dataclass(frozen=True)
class StartFacts:
    """What the start-up lookup found (in a thread): who, whether the floor is empty, whom to
    sign in as (None: ask with the picker), and a warning or a refusal to show."""

    identity: Identity | None
    empty: bool = False
    logon: str | None = None
    warning: str = ""
    refusal: str = ""


class TpsApp(App[None]):
    """The desk. ``desk`` and ``user`` may be given (tests); else opened from ``db``."""

    TITLE = "tpsdesk"
    # Every screen's stylesheet, read once at start. The screens name the same files, so a
    # screen's first open adds no CSS (which would re-parse and restyle the whole app);
    # tests/tui/test_first_open.py checks that each screen's files are listed here.
    CSS_PATH = [
        "tpsdesk.tcss",
        "queue/queue.tcss",
        "intake.tcss",
        "calendar.tcss",
        "dashboard.tcss",
        "contacts.tcss",
        "outbox.tcss",
        "stop_payment.tcss",
    ]
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = _modes()
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
            "f8",
            "show('contacts')",
            "Contacts",
            show=False,
            priority=True,
            id="app.contacts",
            tooltip="Open contacts: record an outcome (I8)",
        ),
        Binding(
            "f9",
            "show('outbox')",
            "Outbox",
            show=False,
            priority=True,
            id="app.outbox",
            tooltip="Outbox: the mail the desk sends, its status and errors (I7, E7)",
        ),
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

    def __init__(self, desk: Desk, user: str | None = None, *, site: str | None = None, live: bool = True) -> None:
        """``desk`` is opened (and an empty database given its schema) before the app starts,
        by ``tpsdesk tui`` (``cli.Context.desk``, whose clock honours ``TPSDESK_NOW``): the
        event loop never waits on opening or migrating a database."""
        super().__init__()
        self.stylesheet = DeskStylesheet(variables=self.get_css_variables())  # re-parses reuse rules
        self.desk: Desk = desk
        self.site_override = (site or os.environ.get("TPSDESK_SITE") or "").upper() or None
        self.cli_user = user
        self.requested_user = user or os.environ.get("TPSDESK_USER") or ""
        self.identity: Identity | None = None  # R7: set by the start-up lookup
        self._session: DeskSession | None = None  # set by sign_in
        self.help_target: Screen[Any] | None = None
        self.help_return = "queue"
        self.live = live  # False: no change feed (screens fall back to their timers)
        self.feed: changes.ChangeFeed | None = None
        self.terminal_watch: TerminalWatch | None = None
        self.terminal_gone = ""  # why the app left without its terminal ('' while it has one)
        self.mail_sender: MailSender | None = None  # I7, E7: started at sign-in when smtp_host is set
        # Modes whose first frame has settled the collector (_settle_collector): a full
        # collection over the session's long-lived objects took ~75 ms, in some later key press.
        self._frozen_modes: set[str] = set()

    # ------------------------------------------------------------ the session
    @property
    def signed_in(self) -> bool:
        return self._session is not None

    @property
    def session(self) -> DeskSession:
        """The signed-in session; screens exist only after sign-in."""
        if self._session is None:
            raise RuntimeError("nobody is signed in yet")
        return self._session

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
        if not self.signed_in:
            return
        for screen in list(self.screen_stack):
            if isinstance(screen, FloorAware) and screen.is_mounted:
                screen.floor_changed(message.changes)

    # ------------------------------------------------------------ the mail sender (I7, E7)
    def _start_mail_sender(self) -> None:
        """After sign-in: the background sender, when an SMTP host is configured (imported here,
        so an app that sends nothing loads no mail library)."""
        if self.mail_sender is not None or not self.desk.policy.mail.smtp_host:
            return
        from screens.mail_sender import MailSender

        self.mail_sender = MailSender(self, self.session)
        self.mail_sender.start()

    def on_mail_delivered(self, message: MailDelivered) -> None:
        """A run of the sender answered: arm the next, and let the open outbox re-read."""
        if self.mail_sender is not None:
            self.mail_sender.finished(message)
        if message.error:
            self.notify(f"Mail: {message.error}", severity="warning", markup=False)
        for screen in list(self.screen_stack):
            delivered = getattr(screen, "delivered", None)
            if callable(delivered) and screen.is_mounted:
                delivered(message)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what the session froze is the collector's again (tests run many apps)
        gc.enable()
        if self.mail_sender is not None:
            self.mail_sender.stop()
            self.mail_sender = None
        if self.feed is not None:
            self.feed.stop()
            self.feed = None
        if self.terminal_watch is not None:
            self.terminal_watch.stop()
            self.terminal_watch = None

    # ------------------------------------------------------------ the terminal
    def _watch_terminal(self) -> None:
        """Leave when the terminal goes away (SIGHUP, or the tty hung up): a headless test app has none."""
        if not self.is_headless and self.terminal_watch is None:
            self.terminal_watch = TerminalWatch(asyncio.get_running_loop(), self._lost_terminal)
            self.terminal_watch.start()

    def _lost_terminal(self, reason: str) -> None:
        """On the event loop: nobody can see or answer the app any more, so it exits (the change
        feed stops on unmount); ``run`` ends the process."""
        self.terminal_gone = reason
        self.exit(return_code=129)

    # ------------------------------------------------------------ who am I (R7)
    async def in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a thread worker, awaited: the event loop stays free while the app
        waits for the answer before its next message (sign-in comes before everything else)."""
        worker = self.run_worker(partial(fn, *args), thread=True, exit_on_error=False, group="sign-in")
        try:
            return await worker.wait()
        except WorkerFailed as failed:
            raise failed.error from None

    async def on_mount(self) -> None:
        self._watch_terminal()
        self._start_feed()
        self._starting("Finding who you are...")
        await self._begin(await self.in_thread(self.start_facts))

    def _starting(self, text: str) -> None:
        """What the start-up waits for, on the blank screen under it ('' once a dialog asks)."""
        for screen in self.screen_stack:
            if isinstance(screen, BlankScreen):
                screen.say(text)

    def start_facts(self, created: str | None = None) -> StartFacts:
        """In a thread: who is acting (``services.identity``), and whom to sign in as. On
        PostgreSQL the login decides and nobody is offered a picker; on a SQLite file the
        logon created by the first run, ``--user``, ``TPSDESK_USER`` or the OS user is matched
        to a staff logon, else the picker asks."""
        from tpsdesk.services import identity, setup

        try:
            who = identity.resolve(self.desk, user=self.cli_user, env_user=os.environ.get("TPSDESK_USER"))
        except TpsError as exc:  # a --user that is not the PostgreSQL login
            return StartFacts(None, refusal=str(exc))
        try:
            if setup.is_empty(self.desk):
                who.as_floor_owner()  # only the floor's owner sets up an empty database
                return StartFacts(who, empty=True)
            if who.backend == POSTGRESQL:
                logon = who.staff_logon()
                setup.whoami(self.desk, logon)  # a staff member, and active
                return StartFacts(who, logon=logon)
        except TpsError as exc:
            return StartFacts(who, refusal=str(exc))
        candidate = created or self.requested_user or os_user()
        found = setup.match_logon(self.desk, candidate) if candidate else None
        warning = ""
        if found is None and self.requested_user and not created:
            warning = f"{candidate!r} is not a staff logon here: choose who you are"
        return StartFacts(who, logon=found, warning=warning)

    async def _begin(self, facts: StartFacts) -> None:
        self.identity = facts.identity
        self._starting("")
        if facts.refusal:
            from screens.identity import SignInRefused

            self.push_screen(SignInRefused(facts.refusal), lambda _: self.exit())
            return
        if facts.empty:
            from screens.first_run import FirstRunScreen

            self.push_screen(FirstRunScreen(), self._after_first_run)
            return
        if facts.warning:
            self.notify(facts.warning, severity="warning", markup=False)
        if facts.logon:
            await self.sign_in(facts.logon)
        else:
            self._pick_user()

    def _pick_user(self) -> None:
        from screens.identity import UserPicker

        self.push_screen(UserPicker(site=self.site_override), self._after_pick)

    async def _after_pick(self, logon: str | None) -> None:
        if logon:
            await self.sign_in(logon)
        else:
            self.exit()

    async def _after_first_run(self, logon: str | None) -> None:
        if logon is None:
            self.exit()
            return
        await self._begin(await self.in_thread(self.start_facts, logon))

    def sign_in_facts(self, logon: str) -> SignIn:
        """In a thread: the staff member, their Centre, site and its zone, the Centre's sites
        (one service call, ``setup.sign_in``)."""
        from tpsdesk.services import setup

        return setup.sign_in(self.desk, logon, site=self.site_override)

    async def sign_in(self, logon: str) -> None:
        """Become ``logon``: header, home screen by role (R1-R4)."""
        self._starting(f"Signing in as {logon}...")
        try:
            facts = await self.in_thread(self.sign_in_facts, logon)
        except TpsError as exc:  # gone or made inactive since it was chosen
            self._starting("")
            if self.identity is not None and self.identity.backend == POSTGRESQL:
                from screens.identity import SignInRefused

                self.push_screen(SignInRefused(str(exc)), lambda _: self.exit())
            else:
                self.notify(str(exc), severity="error", markup=False)
                self._pick_user()
            return
        assert self.identity is not None  # the start-up lookup found who is acting
        self._session = DeskSession(
            desk=self.desk,
            identity=self.identity,
            actor=facts.actor,
            centre=facts.centre,
            site=facts.site,
            zone=facts.zone,
            sites=facts.sites,
        )
        self.sub_title = self.header_text()
        self.show_screen(HOME_BY_ROLE.get(self._session.role, "queue"))
        self._start_mail_sender()

    def header_text(self, short: int = 0) -> str:
        """Who, where and when. ``short`` leaves out, for a narrow terminal (80 columns), the
        app's name (1) and then the officer's name, keeping the logon (2)."""
        if self._session is None:
            return "tpsdesk"
        s = self._session
        local = s.local(self.desk.now())
        who = f"{s.logon} {s.role}" if short >= 2 else f"{s.actor.name} ({s.logon}) {s.role}"
        text = f"{who} │ {s.site} │ {local:%a %d %b %H:%M %Z}"
        return text if short >= 1 else f"tpsdesk │ {text}"

    # ------------------------------------------------------------ switching
    def show_screen(self, name: str) -> None:
        """Switch to a screen by mode name; ``help`` shows the keys of the screen you were on."""
        if name == "help":
            self.action_help()
            return
        if name not in SCREENS:
            self.notify(f"no screen called {name!r}", severity="error", markup=False)
            return
        if not self.signed_in:
            self.notify("choose who you are first", severity="warning", markup=False)
            return
        if self._close_modals():
            self.switch_mode(name)
            if name not in self._frozen_modes:
                self._frozen_modes.add(name)
                self.call_after_refresh(_settle_collector)

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

    async def action_quit(self) -> None:
        """ctrl+q: leave, after asking when a screen in any mode holds unsaved text."""
        if isinstance(self.screen, ConfirmDiscard):  # ctrl+q again on the question: leave
            self.exit()
            return
        unsaved = self.unsaved_text()
        if not unsaved:
            self.exit()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.exit()

        self.push_screen(ConfirmDiscard(" and ".join(unsaved), "leave tpsdesk"), answered)

    def unsaved_text(self) -> list[str]:
        """Each screen's unsaved text, in every mode started so far."""
        found: list[str] = []
        for mode in self.MODES:
            try:
                stack = self.get_screen_stack(mode)
            except KeyError:  # a mode not started yet holds nothing
                continue
            for screen in stack:
                what = screen.unsaved() if isinstance(screen, DeskScreen) and screen.is_mounted else None
                if what:
                    found.append(what)
        return found

    def action_help(self) -> None:
        if not self.signed_in:
            return
        if self.current_mode != "help":
            target, back = self.screen, self.current_mode
            if self._close_modals():
                self.help_target, self.help_return = target, back
                self.switch_mode("help")

    def action_overdue(self) -> None:
        if not self.signed_in:
            return
        from screens.overdue import OverdueScreen

        if not isinstance(self.screen, OverdueScreen):
            self.push_screen(OverdueScreen())

    def action_overdue_key(self) -> None:
        self.action_overdue()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # 'o' must type into a focused text field, not open the lookup.
        return not (action == "overdue_key" and self.focused is not None and _is_text_field(self.focused))

    # ------------------------------------------------------------ navigation messages
    def on_open_escalation(self, message: OpenEscalation) -> None:
        self.open_escalation(message.escalation_id)

    def on_open_stop_payment(self, message: OpenStopPayment) -> None:
        self.open_stop_payment(message.crn, message.contact_id)

    def on_show_queue(self, message: ShowQueue) -> None:
        from screens.queue import QueueScreen

        self.show_screen("queue")
        screen = self.screen
        if isinstance(screen, QueueScreen):
            screen.show_filters(message.filters)

    def on_show_screen(self, message: ShowScreen) -> None:
        self.show_screen(message.name)

    def open_escalation(self, escalation_id: int) -> None:
        """Switch to the queue and show that escalation's detail."""
        from screens.queue import QueueScreen

        self.show_screen("queue")
        screen = self.screen
        if isinstance(screen, QueueScreen):
            screen.open_escalation(escalation_id)

    def open_stop_payment(self, crn: str = "", contact_id: int | None = None) -> None:
        """Switch to the stop-payment DOC builder with the CRN carried over (I2.7)."""
        from screens.stop_payment import StopPaymentScreen

        self.show_screen("stop_payment")
        screen = self.screen
        if isinstance(screen, StopPaymentScreen):
            screen.prefill(crn, contact_id)

    # ------------------------------------------------------------ unexpected failures
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed with an error nobody expected: one line, the traceback logged."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        typed = error if isinstance(error, TpsError) else faults.translate(error)
        if typed is not None:
            self.notify(str(typed), severity="error", markup=False)
            return
        where = faults.log_unexpected(error)
        self.notify(
            f"Something went wrong ({type(error).__name__}); nothing more was changed. Details: {where}",
            severity="error",
            markup=False,
        )

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


def run(desk: Desk, user: str | None = None, site: str | None = None) -> None:
    """Entry point of ``tpsdesk tui``: the desk is opened by the CLI (``cli.Context.desk``:
    the schema for a first run, ``TPSDESK_NOW``'s clock), then who am I, run. The process
    ends when the app does, also when its terminal went away."""
    TpsApp(desk, user, site=site).run()
