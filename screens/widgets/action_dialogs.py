"""One dialog for every escalation action: fields, a save that runs the service in a
thread worker, and errors shown in place. A refused or conflicting save leaves the
dialog open with everything you typed (E11: the message names who changed it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from screens.widgets.long_text import LongText
from screens.widgets.tick import Tick
from tpsdesk.errors import Conflict, TpsError
from tpsdesk.text import sentence


@dataclass
class Field:
    """A dialog field. ``kind``: text, area (several lines), check, select."""

    name: str
    label: str
    kind: str = "text"
    value: Any = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    limit: int | None = None  # an area's maximum length; default: the policy's input.max_text_chars


def assign_field(staff: list[Any]) -> Field:
    """The assign picker (W5): the staff ``escalations.assignable`` offers, by logon."""
    options = [(f"{s.logon} {s.name} ({s.role}{', W5' if s.w5_group else ''})", s.logon) for s in staff]
    return Field("to", "Assign to", "select", options=options, required=True)


@dataclass
class Saved(Message):
    result: Any = None
    error: str = ""
    conflict: bool = False


class FormDialog(ModalScreen[Any]):
    """Returns the service's result, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True, id="dialog.save", tooltip="Save (runs the action)"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without saving"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        submit: Callable[[dict[str, Any]], Any],
        *,
        intro: str = "",
        on_conflict: Callable[[], None] | None = None,
        save_label: str = "Save",
        dialog_id: str = "form",
    ) -> None:
        super().__init__(id=f"dialog-{dialog_id}")
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.intro = intro
        self.on_conflict = on_conflict
        self.save_label = save_label
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog action-dialog"):
            yield Label(self.title_text, markup=False, classes="dialog-title")
            if self.intro:
                yield Static(self.intro, markup=False, id="dialog-intro")
            for f in self.fields:
                yield from self._widget(f)
            yield Static("", markup=False, id="dialog-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.save_label} (Ctrl+S)", id="save", variant="primary")
                yield Button("Cancel (Esc)", id="cancel")

    def _widget(self, f: Field) -> ComposeResult:
        wid = f"field-{f.name}"
        mark = " *" if f.required else ""
        if f.kind == "check":
            yield Tick(Text(f.label), bool(f.value), id=wid, compact=True)
            return
        yield Label(f"{f.label}{mark}", markup=False, classes="field-label")
        if f.kind == "area":
            what = "the " + f.label.split(" (")[0].lower()
            yield LongText(
                str(f.value or ""), id=wid, classes="field-area", soft_wrap=True, compact=True,
                limit=f.limit or self._text_limit(), what=what,
            )  # fmt: skip
            yield Static("", markup=False, id=f"count-{f.name}", classes="field-count")
        elif f.kind == "select":
            options = [(Text(label), value) for label, value in f.options]
            value = f.value if f.value in {v for _, v in f.options} else Select.NULL
            yield Select(options, value=value, id=wid, allow_blank=not f.value, compact=True)
        else:
            yield Input(str(f.value or ""), id=wid, compact=True)

    def _text_limit(self) -> int:
        """The policy's maximum for typed text, from the app's desk."""
        desk = getattr(self.app, "desk", None)
        return int(desk.policy.input.max_text_chars) if desk is not None else 20_000

    def on_mount(self) -> None:
        for counter in self.query(".field-count"):
            counter.display = False
        first = next(iter(self.query("Input, TextArea, Select, Checkbox")), None)
        if first is not None:
            first.focus()

    @on(TextArea.Changed)
    def _length(self, event: TextArea.Changed) -> None:
        """The length against the maximum, near or past it: nothing else runs per key."""
        area = event.text_area
        if not isinstance(area, LongText) or not area.id:
            return
        n = area.length
        area.fit_wrap(n)
        note = area.length_note(n)
        counter = self.query_one(f"#count-{area.id.removeprefix('field-')}", Static)
        counter.display = bool(note)
        counter.update(note)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.query_one(f"#field-{f.name}")
            if isinstance(w, TextArea):
                out[f.name] = w.text
            elif isinstance(w, Checkbox):
                out[f.name] = w.value
            elif isinstance(w, Select):
                out[f.name] = None if w.value is Select.NULL else w.value
            elif isinstance(w, Input):
                out[f.name] = w.value
        return out

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.busy:
            return
        values = self.values()
        missing = [f.label for f in self.fields if f.required and not values.get(f.name)]
        if missing:
            self.show_error(f"Required: {'; '.join(missing)}")
            return
        self.busy = True
        self.show_error("Saving...")
        self._run(values)

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()  # Enter in a one-line field saves, as people expect

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exit_on_error=False, group="dialog-save")
    def _run(self, values: dict[str, Any]) -> None:
        try:
            result = self.submit(values)
        except Conflict as exc:
            if self.on_conflict is not None:
                with contextlib.suppress(TpsError):
                    self.on_conflict()  # fetch the fresh version so a second Save applies over it
            self.post_message(
                Saved(error=f"{sentence(str(exc))} Your text is kept: check it and press Save again.", conflict=True)
            )
            return
        except TpsError as exc:
            self.post_message(Saved(error=str(exc)))
            return
        self.post_message(Saved(result=result))

    def on_saved(self, message: Saved) -> None:
        self.busy = False
        if message.error:
            self.show_error(message.error)
            self.app.notify(message.error, severity="error", markup=False)
            return
        self.dismiss(message.result)

    def show_error(self, text: str) -> None:
        self.query_one("#dialog-error", Static).update(text)
