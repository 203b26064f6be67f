"""First run on an empty database: load a demo floor, or create the first staff member.

Both are the floor's owner setting the floor up (R7). Creating is one service call,
``setup.set_up_floor``: the Centre, its first site and the first staff member in one
transaction, or nothing when any part is refused, so a retry after a mistake starts clean.
A first staff member who is a Team Leader gets the admin flag (R6), decided by the service.

Both run in thread workers (the form shows what it is doing meanwhile) and answer with
``Acted`` / ``ActFailed``; a refused field's message starts with the field's label and is
shown under that field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from screens.base import desk_app, error_text, run_service
from screens.messages import Acted, ActFailed
from screens.widgets.field_row import FieldRow
from tpsdesk.errors import TpsError, ValidationError
from tpsdesk.services.identity import POSTGRESQL, Identity

ZONES = ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Adelaide",
         "Australia/Darwin", "Australia/Perth", "Australia/Hobart"]  # fmt: skip
STATES = ["NSW", "VIC", "QLD", "SA", "WA", "TAS", "ACT", "NT"]

# The service's field names whose widget id is not the name with '-' for '_'.
_WIDGET_OF = {"zone_name": "zone", "site_name": "site-code"}
_SET_UP, _DEMO = "first-run.set-up", "first-run.demo"


class FirstRunScreen(ModalScreen[str | None]):
    """Returns the logon to sign in as, '' to ask who you are, None to quit."""

    DEFAULT_CSS = """
    #setup-form { height: auto; }
    #setup-form FieldRow { grid-columns: 14 1fr; margin: 0; }
    #setup-form FieldRow > .field-label { padding: 0; text-style: bold; color: $text; }
    #setup-form FieldRow.-stack > .field-error { padding: 0 0 0 15; }
    """

    BINDINGS = [
        Binding("ctrl+d", "demo", "Demo floor", id="first_run.demo", tooltip="Load a demo floor (300 escalations)"),
        Binding("ctrl+s", "create", "Create", id="first_run.create", tooltip="Create the Centre, site and you"),
        Binding("escape", "cancel", "Quit", id="first_run.cancel", tooltip="Leave without setting up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False  # a set-up is running: the keys wait for its answer

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
            with Vertical(id="setup-form"):
                yield _row("Centre code", Input(placeholder="e.g. PCC", id="centre-code", compact=True))
                yield _row("Centre name", Input(placeholder="e.g. Parramatta Smart Centre", id="centre-name",
                                                compact=True))  # fmt: skip
                yield _row("Channel", Select([("Smart Centre Call", "smart-centre"), ("Compensation Recovery", "comp-recovery")],
                                             value="smart-centre", allow_blank=False, id="channel", compact=True))  # fmt: skip
                yield _row("Site code", Input(placeholder="e.g. SYD", id="site-code", compact=True))
                yield _row("Time zone", Select([(z, z) for z in ZONES], value="Australia/Sydney", allow_blank=False,
                                               id="zone", compact=True))  # fmt: skip
                yield _row("State", Select([(s, s) for s in STATES], value="NSW", allow_blank=False, id="state",
                                           compact=True))  # fmt: skip
                yield _row("Your logon", Input(placeholder="your logon ID", id="logon", compact=True))
                yield _row("Your name", Input(placeholder="as colleagues know you", id="name", compact=True))
                yield _row("Your role", Select([(r, r) for r in ("SO", "TPS", "SP", "SSO", "TL")], value="SP",
                                               allow_blank=False, id="role", compact=True))  # fmt: skip
            yield Static("", id="first-run-error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Create and start (Ctrl+S)", id="create", variant="success")
                yield Button("Quit", id="quit")

    def on_mount(self) -> None:
        from screens.app import os_user

        app = desk_app(self.app)
        who = app.identity
        if who is not None and who.backend == POSTGRESQL:  # R7: the login is who signs in
            logon = app.desk.policy.identity.logon_of(who.login) or ""
        else:
            logon = app.requested_user or os_user()
        self.query_one("#logon", Input).value = logon
        self.query_one("#demo", Button).focus()

    # ------------------------------------------------------------ the two acts
    @on(Button.Pressed, "#demo")
    def action_demo(self) -> None:
        from tpsdesk import demo

        desk = desk_app(self.app).desk
        owner = self._owner
        self._run(_DEMO, "Loading the demo floor...", lambda: demo.generate(desk, who=owner(), size=300, seed=1))

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        from tpsdesk.services import setup

        desk = desk_app(self.app).desk
        owner = self._owner
        v = self._values()

        def set_up() -> setup.FloorSetUp:
            return setup.set_up_floor(
                desk, owner(),
                centre_code=v["centre-code"], centre_name=v["centre-name"], channel=v["channel"],
                site_code=v["site-code"], site_name="", zone_name=v["zone"], state=v["state"],
                logon=v["logon"], name=v["name"], role=v["role"],
            )  # fmt: skip

        self._run(_SET_UP, "Creating the Centre, the site and you...", set_up)

    @on(Button.Pressed, "#quit")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for widget in self.query("#setup-form Input").results(Input):
            values[widget.id or ""] = widget.value
        for select in self.query("#setup-form Select").results(Select):
            values[select.id or ""] = str(select.value)
        return values

    def _owner(self) -> Identity:
        """In the worker: the floor's owner, who alone sets up an empty database (R7)."""
        from tpsdesk.services.identity import resolve

        app = desk_app(self.app)
        who = app.identity or resolve(app.desk, user=app.cli_user)
        return who.as_floor_owner()

    def _run(self, act: str, doing: str, fn: Callable[[], Any]) -> None:
        """``fn`` in a thread worker, the form saying what it is doing until the answer comes."""
        if self.busy:
            return
        self.busy = True
        self._clear_errors()
        self._say(doing)
        for button in self.query(Button):
            button.disabled = True

        def work() -> None:
            try:
                result = run_service(fn)
            except TpsError as exc:
                self.post_message(ActFailed(act, exc))
                return
            self.post_message(Acted(act, result))

        self.run_worker(work, thread=True, exit_on_error=False, group="first-run")

    def _done(self) -> None:
        self.busy = False
        for button in self.query(Button):
            button.disabled = False

    # ------------------------------------------------------------ answers
    def on_acted(self, message: Acted[Any]) -> None:
        message.stop()
        self._done()
        if message.act == _SET_UP:
            self.dismiss(message.result.staff.logon)
        else:
            self.dismiss("")  # a demo floor: ask who you are

    def on_act_failed(self, message: ActFailed) -> None:
        message.stop()
        self._done()
        error = message.error
        text = error_text(error)
        if isinstance(error, ValidationError) and (row := self._row_of(error.field)) is not None:
            text = f"{row.label}: {error.message}"  # the field by its label, as the form shows it
            row.set_error(text)
            row.field.focus()
        self._say(text)
        self.app.notify(text, severity="error", markup=False)

    def _row_of(self, field: str) -> FieldRow | None:
        wanted = _WIDGET_OF.get(field, field.replace("_", "-"))
        for row in self.query(FieldRow):
            if row.field.id == wanted:
                return row
        return None

    def _clear_errors(self) -> None:
        for row in self.query(FieldRow):
            row.set_error(None)

    def _say(self, text: str) -> None:
        self.query_one("#first-run-error", Static).update(Text(text))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is shown by the app; the form becomes usable again."""
        if event.state == WorkerState.ERROR and self.busy:
            self._done()
            self._say("")


def _row(label: str, widget: Widget) -> FieldRow:
    return FieldRow(label, widget, stack=True)
