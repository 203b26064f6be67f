"""The base of every desk screen: the typed session, service calls in thread workers, and
the one place a typed error is shown.

A screen subclasses :class:`DeskScreen` and yields its body from ``compose_body``; the
header and the footer come for free. ``self.session`` is the signed-in
:class:`~screens.context.DeskSession` (no casts, no loose attributes on the app).

``self.call(act, fn, ...)`` runs a service call in a thread worker that never touches a
widget: it posts :class:`~screens.messages.Acted` with the result object, or
:class:`~screens.messages.ActFailed` with the typed error (database and OS errors are
translated by ``tpsdesk.faults`` first). Anything else fails the worker, and the app's
``on_worker_state_changed`` shows one line and logs the traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Button
from textual.worker import Worker

from screens.context import DeskSession
from screens.messages import Acted, ActFailed
from screens.widgets.field_row import FieldRow
from screens.widgets.footer import DeskFooter
from screens.widgets.header import DeskHeader
from tpsdesk import faults
from tpsdesk.changes import Changes
from tpsdesk.errors import Conflict, PermissionDenied, TpsError, ValidationError
from tpsdesk.text import sentence

if TYPE_CHECKING:
    from screens.app import TpsApp

T = TypeVar("T")


def run_service(fn: Callable[[], T]) -> T:
    """``fn()`` with database and OS errors turned into the typed errors people can act on."""
    try:
        return fn()
    except TpsError:
        raise
    except Exception as exc:
        typed = faults.translate(exc)
        if typed is None:
            raise
        raise typed from exc


def desk_app(app: object) -> TpsApp:
    """``app`` as the desk app, typed: the one place a screen, dialog or palette reaches it."""
    from screens.app import TpsApp

    if not isinstance(app, TpsApp):  # pragma: no cover - desk screens run in the desk app
        raise TypeError(f"this runs inside TpsApp, not {type(app).__name__}")
    return app


class FloorAware:
    """A screen (or modal) that shows floor data and hears the change feed."""

    def floor_changed(self, found: Changes) -> None:
        """The change feed heard a commit: re-read what ``found`` touches. The app calls this
        only on mounted screens, but a screen may be between compose and the mount of its
        children, or leaving, so an override checks its own widgets before it reads them."""


class DeskScreen(FloorAware, Screen[Any]):
    """Base of the desk's screens: header on top, footer at the bottom, the session."""

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield from self.compose_body()
        yield DeskFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_screen_resume(self) -> None:
        for header in self.query(DeskHeader):
            header.refresh_text()

    def unsaved(self) -> str | None:
        """What this screen holds that is typed and not saved, named for a person (None: nothing).
        ctrl+q asks before it is thrown away."""
        return None

    # ------------------------------------------------------------ the session
    @property
    def tps(self) -> TpsApp:
        """The desk app, typed."""
        return desk_app(self.app)

    @property
    def session(self) -> DeskSession:
        """Who is signed in, where; screens are shown only after sign-in."""
        return self.tps.session

    # ------------------------------------------------------------ service calls
    def call(
        self,
        act: str,
        fn: Callable[[], Any],
        *,
        about: int | None = None,
        generation: int = 0,
        exclusive: bool = False,
    ) -> Worker[None]:
        """Run ``fn`` (a service call) in a thread worker; answer with ``Acted`` / ``ActFailed``.
        ``exclusive`` only for reads: a cancelled thread still commits a write."""

        def work() -> None:
            try:
                result = run_service(fn)
            except TpsError as exc:
                self.post_message(ActFailed(act, exc, about, generation))
                return
            self.post_message(Acted(act, result, about, generation))

        return self.run_worker(work, thread=True, exit_on_error=False, group=act, exclusive=exclusive)

    def on_act_failed(self, message: ActFailed) -> None:
        """The one handler of a typed error; a screen that handles an act itself stops it first."""
        self.show_error(message.error)

    def show_error(self, error: TpsError) -> None:
        """A refusal or a conflict as a notice, a field error beside its field."""
        if isinstance(error, ValidationError):
            row = self.field_row(error.field)
            if row is not None:
                row.set_error(error.message)
                row.field.focus()
        self.notify(error_text(error), severity=error_severity(error), markup=False)

    def field_row(self, field: str) -> FieldRow | None:
        """The form row of a service's field name (``crn``, ``help_required``), if shown here."""
        wanted = {field, field.replace("_", "-")}
        for row in self.query(FieldRow):
            if row.field.id in wanted or row.id in wanted:
                return row
        return None


def error_text(error: TpsError) -> str:
    """What a person reads for a typed error: a conflict says the typed text is kept."""
    if isinstance(error, Conflict):
        return f"{sentence(str(error))} Your typed text is kept: check the item, then save again."
    return str(error)


def error_severity(error: TpsError) -> Any:
    if isinstance(error, Conflict):
        return "warning"
    if isinstance(error, PermissionDenied):
        return "error"
    return "error"


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
