"""First run on an empty database: load a demo floor, or create the first staff member.

Both are the floor's owner setting the floor up (R7); a Team Leader as the first staff
member gets the admin flag (R6: it is a TL's), so they can set up the rest of the floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from tpsdesk.errors import TpsError

if TYPE_CHECKING:
    from screens.app import TpsApp
    from tpsdesk.services.identity import Identity

ZONES = ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Adelaide",
         "Australia/Darwin", "Australia/Perth", "Australia/Hobart"]  # fmt: skip
STATES = ["NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT"]


@dataclass
class SetupDone(Message):
    """The worker finished: ``logon`` to sign in as ('' = ask), or ``error`` to show."""

    logon: str | None = None
    error: str = ""


class FirstRunScreen(ModalScreen[str | None]):
    """Returns the logon to sign in as, '' to ask who you are, None to quit."""

    BINDINGS = [
        Binding("ctrl+d", "demo", "Demo floor", id="first_run.demo", tooltip="Load a demo floor (300 escalations)"),
        Binding("ctrl+s", "create", "Create", id="first_run.create", tooltip="Create the Centre, site and you"),
        Binding("escape", "cancel", "Quit", id="first_run.cancel", tooltip="Leave without setting up"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="first-run", classes="dialog"):
            yield Label("Welcome to tpsdesk. This database is empty.", markup=False, classes="dialog-title")
            yield Static(
                "Load a demo floor to try things out, or start empty and create your Centre, "
                "your site and yourself as the first staff member.",
                markup=False,
            )
            with Horizontal(classes="buttons"):
                yield Button("Load a demo floor (Ctrl+D)", id="demo", variant="primary")
            yield Label("Start empty", markup=False, classes="section")
            with Grid(id="setup-form"):
                yield from _row("Centre code", Input(placeholder="e.g. PCC", id="centre-code", compact=True))
                yield from _row(
                    "Centre name", Input(placeholder="e.g. Parramatta Smart Centre", id="centre-name", compact=True)
                )
                yield from _row("Channel", Select([("Smart Centre Call", "smart-centre"), ("Compensation Recovery", "comp-recovery")],
                                                  value="smart-centre", allow_blank=False, id="channel", compact=True))  # fmt: skip
                yield from _row("Site code", Input(placeholder="e.g. SYD", id="site-code", compact=True))
                yield from _row(
                    "Time zone",
                    Select(
                        [(z, z) for z in ZONES], value="Australia/Sydney", allow_blank=False, id="zone", compact=True
                    ),
                )
                yield from _row(
                    "State", Select([(s, s) for s in STATES], value="NSW", allow_blank=False, id="state", compact=True)
                )
                yield from _row("Your logon", Input(placeholder="your logon ID", id="logon", compact=True))
                yield from _row("Your name", Input(placeholder="as colleagues know you", id="name", compact=True))
                yield from _row("Your role", Select([(r, r) for r in ("SO", "TPS", "SP", "SSO", "TL")], value="SP",
                                                    allow_blank=False, id="role", compact=True))  # fmt: skip
            yield Static("", id="first-run-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Create and start (Ctrl+S)", id="create", variant="success")
                yield Button("Quit", id="quit")

    def on_mount(self) -> None:
        from screens.app import os_user

        app: TpsApp = self.app  # type: ignore[assignment]
        who = app.identity
        if who is not None and who.backend == "postgresql":  # R7: the login is who signs in
            logon = app.desk.policy.identity.logon_of(who.login) or ""
        else:
            logon = app.requested_user or os_user()
        self.query_one("#logon", Input).value = logon
        self.query_one("#demo", Button).focus()

    @on(Button.Pressed, "#demo")
    def action_demo(self) -> None:
        self._busy("Loading the demo floor...")
        self._load_demo()

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        values = {w.id: str(w.value) for w in self.query("#setup-form Input, #setup-form Select") if w.id}
        self._busy("Creating...")
        self._create(values)

    @on(Button.Pressed, "#quit")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _busy(self, text: str) -> None:
        self.query_one("#first-run-error", Static).update(text)

    @work(thread=True, exit_on_error=False)
    def _load_demo(self) -> None:
        app: TpsApp = self.app  # type: ignore[assignment]
        try:
            from tpsdesk import demo  # written separately; imported only when asked for

            demo.generate(app.desk, who=self._owner(app), size=300, seed=1)
        except ImportError:
            self.post_message(SetupDone(error="the demo floor is not available in this build: start empty instead"))
            return
        except TpsError as exc:
            self.post_message(SetupDone(error=str(exc)))
            return
        self.post_message(SetupDone(logon=""))

    @work(thread=True, exit_on_error=False)
    def _create(self, v: dict[str, str]) -> None:
        from tpsdesk.services import setup

        app: TpsApp = self.app  # type: ignore[assignment]
        try:
            owner = self._owner(app)
            if not v["logon"].strip():
                raise_missing("logon", "your logon ID is required")
            # A retry after a mistake further down must not trip over what was already made.
            if not any(c.code == v["centre-code"].strip().upper() for c in setup.list_centres(app.desk)):
                setup.add_centre(app.desk, owner, v["centre-code"], v["centre-name"], v["channel"])
            if not any(s.code == v["site-code"].strip().upper() for s in setup.list_sites(app.desk)):
                setup.add_site(app.desk, owner, v["site-code"], v["site-code"], v["centre-code"], v["zone"], v["state"])
            admin = v["role"] == "TL"
            staff = setup.add_staff(app.desk, owner, v["logon"], v["name"], v["role"], v["site-code"], admin=admin)
        except TpsError as exc:
            self.post_message(SetupDone(error=str(exc)))
            return
        self.post_message(SetupDone(logon=staff.logon))

    @staticmethod
    def _owner(app: TpsApp) -> Identity:
        """The floor's owner, who alone sets up an empty database (R7)."""
        from tpsdesk.services.identity import resolve

        who = app.identity or resolve(app.desk, user=app.cli_user)
        return who.as_floor_owner()

    def on_setup_done(self, message: SetupDone) -> None:
        if message.error:
            self.query_one("#first-run-error", Static).update(message.error)
            self.app.notify(message.error, severity="error", markup=False)
            return
        self.dismiss(message.logon)


def _row(label: str, widget: Widget) -> ComposeResult:
    yield Label(label, markup=False, classes="form-label")
    yield widget


def raise_missing(field: str, text: str) -> None:
    from tpsdesk.errors import ValidationError

    raise ValidationError(field, text)
