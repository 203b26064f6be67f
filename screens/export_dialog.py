"""The export dialog (ctrl+e on the dashboard and the queue, or "Export the shift summary" in
the command palette): the shift summary (X1) of the officer's site to a file, in any of the
six formats, masked unless "Full identifiers" is ticked (X2: that export is recorded).

Only staff who may have the summary get the dialog (``summaries.refusal``, R4, R6: policy
alone, no database); anyone else reads the refusal. On open, a thread worker asks the
service for the site and window so the file name can be
``shift-<SITE>-<YYYY-MM-DD>.<ext>`` in the Documents folder (the working folder when there is
none). Export runs the read and the write in a thread worker (``export.write_file``, through
``safefile``: whole or not at all, 0600, never over a file that is not an export); the
worker posts messages and the handlers update the dialog. A refusal shows the service's one
message in the dialog and nothing is written; a success notifies with the path and closes.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioButton, RadioSet, Static

from screens.base import desk_app, error_text, run_service
from screens.context import DeskSession
from screens.widgets.tick import Tick
from tpsdesk import export
from tpsdesk.businesstime import fmt_local, zone
from tpsdesk.errors import TpsError
from tpsdesk.services import summaries

FORMAT_LABELS = {
    "html": "HTML",
    "xlsx": "Excel",
    "csv": "CSV",
    "json": "JSON",
    "md": "MD",
    "text": "Text",
}
FIRST = "html"  # printable, charts: what a TL most often opens


def default_folder() -> Path:
    """The person's Documents folder when it exists, else the working folder."""
    try:
        from platformdirs import user_documents_dir

        docs = Path(user_documents_dir())
        if docs.is_dir():
            return docs
    except Exception:  # pragma: no cover - platformdirs guesses from the environment
        pass
    return Path.cwd()


class FormatButton(RadioButton):
    """A format choice drawn ● when chosen and blank when not (state never by colour alone)."""

    @property
    def _button(self):  # type: ignore[no-untyped-def]
        self.BUTTON_INNER = "●" if self.value else " "
        return super()._button


class WindowKnown(Message):
    def __init__(self, window: summaries.Window | None, error: TpsError | None) -> None:
        super().__init__()
        self.window, self.error = window, error


class ExportStep(Message):
    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step


class ExportFinished(Message):
    def __init__(self, path: str | None, error: TpsError | None) -> None:
        super().__init__()
        self.path, self.error = path, error


def open_export_dialog(app: object) -> None:
    """Push the dialog for the signed-in officer, or tell them why they may not (R4, R6)."""
    tps = desk_app(app)
    if not tps.signed_in:
        return
    session = tps.session
    if any(isinstance(s, ExportDialog) for s in tps.screen_stack):
        return
    reason = summaries.refusal(session.desk, session.actor)
    if reason is not None:
        tps.notify(reason, severity="error", markup=False)
        return
    tps.push_screen(ExportDialog(session))


class ExportDialog(ModalScreen[str | None]):
    """Dismissed with the path written, or None (Esc)."""

    DEFAULT_CSS = """
    ExportDialog .export-dialog { max-width: 78; }
    ExportDialog RadioSet { layout: horizontal; height: auto; width: 1fr; border: none; padding: 0; }
    ExportDialog RadioSet:focus { border: none; background-tint: $foreground 5%; }
    ExportDialog RadioSet RadioButton { width: auto; margin-right: 1; }
    ExportDialog .choice { height: auto; }
    ExportDialog .choice Label { width: 8; padding-top: 0; }
    ExportDialog #export-path { width: 100%; }
    ExportDialog #export-progress { margin-top: 1; }
    ExportDialog #export-status { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="export.cancel", tooltip="Close without exporting"),
        Binding("ctrl+s", "export", "Export", priority=True, id="export.run", tooltip="Write the file"),
    ]

    def __init__(self, session: DeskSession, folder: Path | None = None) -> None:
        super().__init__(id="export-dialog")
        self.desk_session = session
        self.folder = folder or default_folder()
        self.window: summaries.Window | None = None
        self.running = False
        self._auto_path = self._path_for(FIRST)  # the name the dialog chose; one typed over is kept

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog export-dialog"):
            yield Label("Export the shift summary", markup=False, classes="dialog-title")
            yield Static(f"Site {self.desk_session.site}, the current shift", id="export-intro", markup=False)
            sites = self.desk_session.sites or (self.desk_session.site,)
            if len(sites) > 1:  # the Centre's sites (R4: a TL sees the whole Centre)
                with Horizontal(classes="choice"):
                    yield Label("Site", markup=False, classes="form-label")
                    with RadioSet(id="export-site"):
                        for code in sites:
                            yield FormatButton(Text(code), value=code == self.desk_session.site, id=f"site-{code}")
            with Horizontal(classes="choice"):
                yield Label("Format", markup=False, classes="form-label")
                with RadioSet(id="export-format"):
                    for fmt, label in FORMAT_LABELS.items():
                        yield FormatButton(Text(label), value=fmt == FIRST, id=f"format-{fmt}")
            yield Label("File", markup=False, classes="form-label")
            yield Input(self._auto_path, id="export-path")
            yield Tick(Text("Full identifiers (recorded, X2)"), False, id="export-full", compact=True)
            yield ProgressBar(total=3, show_eta=False, id="export-progress")
            yield Static("", id="export-status", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Export  ctrl+s", id="export", variant="primary")
                yield Button("Cancel  Esc", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#export-progress").display = False
        self.query_one("#export-format", RadioSet).focus()
        self._read_window(self.site)

    # ------------------------------------------------------------ the file name
    @property
    def site(self) -> str:
        found = self.query("#export-site")
        pressed = found.first(RadioSet).pressed_button if found else None
        return pressed.id.removeprefix("site-") if pressed is not None and pressed.id else self.desk_session.site

    @property
    def fmt(self) -> str:
        pressed = self.query_one("#export-format", RadioSet).pressed_button
        return pressed.id.removeprefix("format-") if pressed is not None and pressed.id else FIRST

    def _path_for(self, fmt: str) -> str:
        w = self.window
        if w is None:
            day = self.desk_session.local(self.desk_session.now())
            name = export.file_name(
                self.desk_session.site, self.desk_session.zone, day, fmt
            )  # until the service answers
        else:
            name = export.file_name(w.site, w.zone, w.start, fmt)
        return os.fspath(self.folder / name)

    @work(thread=True, exit_on_error=False, group="export-window", exclusive=True)
    def _read_window(self, site: str) -> None:
        s = self.desk_session
        try:
            window = run_service(lambda: summaries.shift_window(s.desk, s.logon, site=site))
        except TpsError as exc:
            self.post_message(WindowKnown(None, exc))
            return
        self.post_message(WindowKnown(window, None))

    def on_window_known(self, message: WindowKnown) -> None:
        if message.window is not None and message.window.site != self.site:
            return  # an answer for a site no longer chosen
        if message.error is not None:
            self._status(error_text(message.error), error=True)
            return
        self.window = w = message.window
        assert w is not None
        cal_start = fmt_local(w.start, zone(w.zone))
        cal_end = fmt_local(w.end, zone(w.zone))
        self.query_one("#export-intro", Static).update(Text(f"Site {w.site}, {cal_start} to {cal_end}"))
        if not self._name_given:  # a name the person typed is kept
            self._set_path(self._path_for(self.fmt))

    @property
    def _name_given(self) -> bool:
        return self.query_one("#export-path", Input).value != self._auto_path

    def _set_path(self, value: str) -> None:
        self._auto_path = value
        self.query_one("#export-path", Input).value = value

    @on(RadioSet.Changed, "#export-site")
    def _site_changed(self) -> None:
        self._read_window(self.site)  # its window names the file

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        field = self.query_one("#export-path", Input)
        if not self._name_given:
            self._set_path(self._path_for(self.fmt))
            return
        stem, ext = os.path.splitext(field.value)
        if ext.lstrip(".").lower() in export.EXTENSIONS.values():  # keep the name, change its extension
            self._set_path(f"{stem}.{export.EXTENSIONS[self.fmt]}")

    # ------------------------------------------------------------ exporting
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export":
            self.action_export()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)

    def action_export(self) -> None:
        if self.running:
            return
        path = self.query_one("#export-path", Input).value
        full = self.query_one("#export-full", Tick).value
        self.running = True
        self.query_one("#export", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(progress=0)
        self._status("Reading the shift…")
        self._run(self.site, self.fmt, path, full)

    @work(thread=True, exit_on_error=False, group="export-run")
    def _run(self, site: str, fmt: str, path: str, full: bool) -> None:
        """A write: never exclusive (a cancelled thread would still write)."""
        s = self.desk_session
        try:
            found = run_service(lambda: summaries.shift_summary(s.desk, s.logon, site=site))
            self.post_message(ExportStep(1))
            written = run_service(
                lambda: export.write_file(s.desk, s.logon, found, fmt, path, full_identifiers=full, field="file")
            )
        except TpsError as exc:
            self.post_message(ExportFinished(None, exc))
            return
        self.post_message(ExportFinished(written, None))

    def on_export_step(self, message: ExportStep) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=message.step)
        self._status("Writing the file…")

    def on_export_finished(self, message: ExportFinished) -> None:
        self.running = False
        self.query_one("#export", Button).disabled = False
        bar = self.query_one("#export-progress", ProgressBar)
        if message.error is not None:
            bar.display = False
            self._status(error_text(message.error), error=True)
            self.query_one("#export-path", Input).focus()
            return
        bar.update(progress=3)
        self.app.notify(f"Shift summary written to {message.path}", title="Export", markup=False)
        self.dismiss(message.path)

    def _status(self, words: str, *, error: bool = False) -> None:
        status = self.query_one("#export-status", Static)
        status.update(Text(words))
        status.set_class(error, "error")
