"""The outcome step of a contact (I8): more than one outcome may apply. Escalating
takes a category; a direct ICT referral (E5b) takes the NNU reference and the
Service First number. Fields appear only when the chosen outcomes need them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Select, SelectionList
from textual.widgets.selection_list import Selection

from screens.widgets.field_row import FieldRow
from screens.widgets.tick import TickList

ESCALATING = ("escalated", "referred-ict")


@dataclass(frozen=True)
class OutcomeDraft:
    outcomes: list[str]
    category: str | None
    summary: str
    nnu_ref: str
    service_first: str
    eped: str


class OutcomePicker(Vertical):
    """Outcomes, and the extra fields that the chosen ones require."""

    DEFAULT_CSS = """
    OutcomePicker {
        height: auto;
    }
    OutcomePicker SelectionList {
        height: auto;
        max-height: 7;
    }
    """

    def __init__(
        self, outcomes: dict[str, str], categories: dict[str, str], escalate_to: str, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.outcomes = outcomes
        self.categories = categories
        self.escalate_to = escalate_to

    def compose(self) -> ComposeResult:
        choices = [Selection(Text(label), key) for key, label in self.outcomes.items()]
        yield FieldRow("Outcome (I8)", TickList(*choices, id="outcomes", compact=True), stack=True, id="row-outcomes")
        yield FieldRow(
            "Category",
            Select(
                [(Text(label), key) for key, label in self.categories.items()],
                prompt=f"Escalate to {self.escalate_to}",
                id="category",
                compact=True,
            ),
            required=True,
            stack=True,
            id="row-category",
        )
        yield FieldRow(
            "Summary",
            Input(placeholder="one line for the escalation", id="summary", compact=True),
            stack=True,
            id="row-summary",
        )
        yield FieldRow(
            "NNU reference",
            Input(placeholder="the NNU that covers it (E5b)", id="nnu_ref", compact=True),
            required=True,
            id="row-nnu_ref",
        )
        yield FieldRow(
            "Service First no.",
            Input(placeholder="ICT incident number", id="service_first", compact=True),
            required=True,
            id="row-service_first",
        )
        yield FieldRow("EPED", Input(placeholder="YYYY-MM-DD (E10, optional)", id="eped", compact=True), id="row-eped")

    def on_mount(self) -> None:
        self.sync()

    def chosen(self) -> list[str]:
        return list(self.query_one("#outcomes", SelectionList).selected)

    def choose(self, key: str, *, category: str | None = None) -> None:
        """Tick an outcome the branch calls for (I6 supervisor, I5 review -> E2)."""
        self.query_one("#outcomes", SelectionList).select(key)
        if category is not None:
            self.query_one("#category", Select).value = category
        self.sync()

    def sync(self) -> None:
        """Show only the fields the chosen outcomes need."""
        chosen = set(self.chosen())
        escalating = bool(chosen & set(ESCALATING))
        category = self.query_one("#category", Select).value
        for row, show in (
            ("#row-category", escalating),
            ("#row-summary", escalating),
            ("#row-nnu_ref", "referred-ict" in chosen),
            ("#row-service_first", "referred-ict" in chosen),
            ("#row-eped", escalating and category == "system"),
        ):
            self.query_one(row).display = show

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        self.sync()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.sync()

    def draft(self) -> OutcomeDraft:
        category = self.query_one("#category", Select).value
        return OutcomeDraft(
            outcomes=self.chosen(),
            category=None if category is Select.NULL else str(category),
            summary=self.query_one("#summary", Input).value,
            nnu_ref=self.query_one("#nnu_ref", Input).value,
            service_first=self.query_one("#service_first", Input).value,
            eped=self.query_one("#eped", Input).value,
        )

    def problems(self) -> dict[str, str]:
        """What the chosen outcomes still need, before anything is saved."""
        d = self.draft()
        out: dict[str, str] = {}
        if "escalated" in d.outcomes and "referred-ict" not in d.outcomes and not d.category:
            out["category"] = "choose the escalation category"
        if "referred-ict" in d.outcomes:
            if not d.nnu_ref.strip():
                out["nnu_ref"] = "a direct ICT referral needs the NNU reference (E5b)"
            if not d.service_first.strip():
                out["service_first"] = "a direct ICT referral needs the Service First number (E5b)"
        return out

    def clear(self) -> None:
        self.query_one("#outcomes", SelectionList).deselect_all()
        self.query_one("#category", Select).clear()
        for field in ("summary", "nnu_ref", "service_first", "eped"):
            self.query_one(f"#{field}", Input).value = ""
        self.sync()
