"""The channel's reference checklist (I1): one checkbox per reference, an "other"
entry that takes a name, and the "none: not a reference question" entry, shown only
while the chosen reason allows it (I2.5 to I2.7). Labels come from policy data, shown
as text; whether a choice may be saved is the core's decision (``check_references``)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input

from screens.widgets.tick import Tick


class ReferenceChecklist(Vertical):
    """Which references the requester checked before contacting TPS."""

    DEFAULT_CSS = """
    ReferenceChecklist {
        height: auto;
    }
    ReferenceChecklist Checkbox {
        height: 1;
        border: none;
        padding: 0;
        background: transparent;
    }
    ReferenceChecklist Checkbox:focus {
        background: $boost;
    }
    ReferenceChecklist #reference_other {
        margin: 0 0 0 4;
    }
    """

    def __init__(
        self,
        references: list[str],
        *,
        other_label: str = "Other (name it)",
        none_label: str = "None: not a reference question",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.references = list(references)
        self.other_label = other_label
        self.none_label = none_label

    def compose(self) -> ComposeResult:
        for i, name in enumerate(self.references):
            yield Tick(Text(name), id=f"ref-{i}", compact=True)
        yield Tick(Text(self.other_label), id="ref-other", compact=True)
        yield Input(placeholder="name of the other reference", id="reference_other", compact=True)
        yield Tick(Text(self.none_label), id="ref-none", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reference_other").display = False
        self.query_one("#ref-none").display = False

    def offer_none(self, offered: bool) -> None:
        """I1: show the none entry only for a reason that is not a reference question; hiding
        it unticks it, so a ticked none never reaches the core unseen."""
        box = self.query_one("#ref-none", Checkbox)
        box.display = offered
        if not offered and box.value:
            box.value = False

    @property
    def none_ticked(self) -> bool:
        box = self.query_one("#ref-none", Checkbox)
        return bool(box.display and box.value)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "ref-other":
            other = self.query_one("#reference_other", Input)
            other.display = event.value
            if event.value:
                other.focus()

    def selected(self) -> list[str]:
        return [name for i, name in enumerate(self.references) if self.query_one(f"#ref-{i}", Checkbox).value]

    @property
    def other_ticked(self) -> bool:
        return self.query_one("#ref-other", Checkbox).value

    @property
    def other(self) -> str:
        """The named other reference, when "Other" is ticked."""
        return self.query_one("#reference_other", Input).value if self.other_ticked else ""

    def clear(self) -> None:
        for box in self.query(Checkbox):
            box.value = False
        other = self.query_one("#reference_other", Input)
        other.value = ""
        other.display = False
        self.query_one("#ref-none").display = False
