"""F3 Escalation queue (E, W, D, F): a virtual table of the filtered queue, a detail
pane, filters one key away, and the actions that apply (see ``screens.queue.actions``).

The table fetches only the rows on screen, by keyset (``escalations.list_page`` /
``page_before``) with the count in its own worker, so the first rows paint as
fast on a million escalations as on ten. Another user's change appears (E11) when
the app's change feed reports it (``floor_changed``): the visible window, the count
and, when it is the one changed, the open detail are re-read, the cursor staying on
its row. A timer keeps the clock moving and re-reads at once when no feed is live,
else once a minute (an item becomes overdue by time alone).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from screens.base import DeskScreen
from screens.context import DeskSession
from screens.messages import Acted, ActFailed
from screens.queue.actions import BY_KEY, BY_NAME, REGISTRY, QueueActions
from screens.queue.detail import EscalationDetailView, offers, render_detail
from screens.widgets.formatting import local_for, relative, urgency
from screens.widgets.virtual_table import Column, CountLoaded, VirtualTable, WindowLoaded
from tpsdesk.changes import Changes
from tpsdesk.domain.lifecycle import Offer
from tpsdesk.domain.schedule import FAR_FUTURE
from tpsdesk.domain.vocab import STATUS_FILTERS, Status
from tpsdesk.errors import TpsError
from tpsdesk.services import escalations
from tpsdesk.services.escalations import Filters
from tpsdesk.services.views import EscalationDetail, EscalationView

POLL_SECONDS = 4.0
SWEEP_EVERY = 15  # polls between sweeps (E12 awaiting-follow-up)
RESYNC_EVERY = 15  # polls between re-reads while the change feed is live
SEARCH_FOCUS_WAIT = 0.25  # seconds after a search's rows land before the table takes focus without its count
STATUSES = list(STATUS_FILTERS)  # the vocabulary's queue filters, in lifecycle order (E12)
SHORT_STATUS = {Status.AWAITING_FOLLOW_UP.value: "awaiting f/u"}  # fits the status column
END_KEY = (10**6, FAR_FUTURE, 2**62)  # past every real key: keyset start for the last page

COLUMNS = [
    Column("Id", 6, priority=9),
    Column("Urgency", 11, priority=9),
    Column("Category", 9, priority=7),
    Column("CRN", 10, priority=8),
    Column("Owner", 8, priority=6),
    Column("Status", 12, priority=8),
    Column("Due (your time)", 20, priority=4),
    Column("Due in", 12, priority=9),
    Column("Summary", 10, priority=2, flex=True),
]


class EscalationSource:
    """The table's rows: the services, called from the table's thread workers."""

    def __init__(self, session: DeskSession, filters: Filters) -> None:
        self.desk, self.user, self.filters = session.desk, session.logon, filters

    def after(self, key: Any, limit: int) -> Sequence[EscalationView]:
        return escalations.list_page(self.desk, self.user, self.filters, after=key, limit=limit)

    def before(self, key: Any, limit: int) -> Sequence[EscalationView]:
        return escalations.page_before(self.desk, self.user, self.filters, key or END_KEY, limit)

    def count(self) -> int:
        return escalations.count(self.desk, self.user, self.filters)

    def key_at(self, index: int) -> Any:
        """A far jump (scrollbar drag) seeks the key by position instead of walking."""
        return escalations.key_at(self.desk, self.user, self.filters, index)


DETAIL_ACT = "queue.detail"  # the act of reading the detail (its answers carry a generation)


@dataclass
class MayLoaded(Message):
    may: dict[str, str | None] = field(default_factory=dict)


class QueueScreen(DeskScreen):
    TITLE = "Escalation queue (F3)"
    CSS_PATH = "queue.tcss"
    BINDINGS = [
        Binding("slash", "search", "Search", id="queue.search", tooltip="Free text: id, CRN or words of the summary"),
        Binding("s", "cycle_status", "Status", id="queue.status", tooltip="Filter by status (cycles)"),
        Binding("t", "cycle_category", "Category", id="queue.category", tooltip="Filter by category (cycles)"),
        Binding("m", "toggle_mine", "Mine", id="queue.mine", tooltip="Only escalations you hold"),
        Binding("u", "toggle_unclaimed", "Unclaimed", show=False, id="queue.unclaimed", tooltip="Only unclaimed"),
        Binding(
            "exclamation_mark",
            "toggle_overdue",
            "Overdue",
            key_display="!",
            id="queue.overdue",
            tooltip="Only overdue escalations",
        ),
        Binding("e", "cycle_site", "Site", show=False, id="queue.site", tooltip="Filter by site (cycles)"),
        Binding("x", "clear_filters", "Clear", show=False, id="queue.clear", tooltip="Clear every filter"),
        Binding("escape", "close_detail", "Close", show=False, id="queue.close", tooltip="Close the detail pane"),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False, id="queue.refresh", tooltip="Re-read the queue now"),
        Binding("ctrl+e", "export", "Export", show=False, id="queue.export", tooltip="Export the shift summary (X1)"),
        *(entry.binding() for entry in REGISTRY),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.now: datetime = datetime.now().astimezone()
        self.may: dict[str, str | None] = {"work": "checking permissions", "reassign": "checking permissions"}
        self.detail: EscalationDetail | None = None
        self.completes: tuple[int, str] | None = None  # (id, who completes the work), once asked
        self._polls = 0
        self._open_on_mount: int | None = None
        self._may_started = False
        self._focus_after_search = False  # a search was submitted: the table takes focus with its answer
        self._generation = 0  # of the latest detail request; older answers are dropped
        self.opening: int | None = None  # an item asked for whose detail has not arrived
        self._focus_on_load = False
        self.actions = QueueActions(self)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="queue-body"):
            with Vertical(id="queue-left"):
                yield Static("", id="queue-filters", markup=False)
                yield Input(placeholder="Search id, CRN or words; Enter applies, Esc leaves", id="queue-search")
                yield VirtualTable(COLUMNS, self.cells, id="queue-table")
                yield Static("", id="queue-count", markup=False)
            yield EscalationDetailView(id="queue-detail")

    # ------------------------------------------------------------ start, poll
    def on_mount(self) -> None:
        app = self.session
        self.now = app.desk.now()
        self.query_one("#queue-search", Input).display = False
        self.query_one("#queue-detail").display = False
        self.apply_filters()
        self.query_one(VirtualTable).focus()
        self.set_interval(POLL_SECONDS, self.poll, name="queue-poll")
        self._fit(self.size.width)
        if self._open_on_mount is not None:
            self.load_detail(self._open_on_mount, focus=True)

    def on_resize(self, event: Any) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        # Narrow desks (80 cols): the detail takes the whole width while open.
        self.set_class(width < 110, "-narrow")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def poll(self, *, force: bool = False) -> None:
        """The clock moves on; the data is re-read when no change feed is live (or ``force``).

        Only while the queue is on screen (a dialog on top still counts); a hidden queue
        costs the database nothing and catches up when it is shown again."""
        if not self.is_current or not self.query(VirtualTable):
            return
        self.now = self.session.now()
        self._polls += 1
        if self._polls % SWEEP_EVERY == 0:
            self._sweep()
        if force or not self.tps.feed_live or self._polls % RESYNC_EVERY == 0:
            self._reload(detail=True)
        else:
            self.table.refresh()  # urgency and "due in" follow the clock
        self.tps.refresh_header()

    def _reload(self, *, detail: bool) -> None:
        self.table.reload()
        if detail and self.opening is not None:  # re-read the item opening, never the one it replaces
            self.load_detail(self.opening, focus=self._focus_on_load)
        elif detail and self.detail is not None:
            self.load_detail(self.detail.escalation.id)

    def floor_changed(self, found: Changes) -> None:
        """The change feed heard a commit: re-read the window and count, and the detail if it changed."""
        if not self.is_current or not self.query(VirtualTable):
            return  # shown again later (on_screen_resume re-reads), or not composed yet / leaving
        app = self.session
        self.now = app.desk.now()
        shown = self.opening if self.opening is not None else self.detail.escalation.id if self.detail else None
        self._reload(detail=shown is not None and found.touches_escalation(shown))

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        tables = self.query(VirtualTable)
        if self.is_mounted and tables and tables.first().loaded_once:
            self.poll(force=True)

    def action_refresh_now(self) -> None:
        self.poll(force=True)

    def action_export(self) -> None:
        from screens.export_dialog import open_export_dialog

        open_export_dialog(self.app)

    @work(thread=True, exit_on_error=False, group="queue-sweep")
    def _sweep(self) -> None:
        app = self.session
        with contextlib.suppress(TpsError):  # the next sweep tries again; rows show display_status
            escalations.sweep(app.desk)

    @work(thread=True, exit_on_error=False, exclusive=True, group="queue-may")
    def _load_may(self) -> None:
        app = self.session
        may = {a: escalations.who_may(app.desk, app.logon, a) for a in ("work", "reassign", "refer_direct")}
        self.post_message(MayLoaded(may))

    def on_may_loaded(self, message: MayLoaded) -> None:
        self.may = message.may
        if self.detail is not None:
            self._render_detail()

    # ------------------------------------------------------------ table
    def cells(self, v: EscalationView) -> list[Text]:
        app = self.session
        word, style = urgency(v, self.now)
        status = v.display_status(self.now)
        due = v.next_action_at or v.due_at
        short = app.desk.policy.categories[v.category].short if v.category in app.desk.policy.categories else v.category
        return [
            Text(str(v.id)),
            Text(word, style=style),
            Text(short),
            Text(v.crn),  # user data as plain Text: never markup
            Text(v.owner or "-"),
            Text(SHORT_STATUS.get(status, status)),
            Text(local_for(due, app.zone, v.site_zone) if due else "-"),
            Text(relative(due, self.now) if due and not v.closed else "", style=style),
            Text(v.summary.splitlines()[0] if v.summary else ""),
        ]

    def show_filters(self, filters: Filters) -> None:
        """Show the queue with these filters (the dashboard's drill-down, ``ShowQueue``)."""
        self.filters = filters
        if self.is_mounted:
            self.apply_filters()

    def apply_filters(self) -> None:
        app = self.session
        self.table.set_source(EscalationSource(app, self.filters))
        self._show_filters()

    def _show_filters(self) -> None:
        f = self.filters
        parts = [f"status: {f.status}"]
        if f.category:
            parts.append(f"category: {f.category}")
        if f.mine:
            parts.append("mine")
        if f.owner == "none":
            parts.append("unclaimed")
        if f.overdue:
            parts.append("overdue")
        if f.site:
            parts.append(f"site: {f.site}")
        if f.text:
            parts.append(f"search: {f.text}")
        self.query_one("#queue-filters", Static).update("Filters │ " + " · ".join(parts))

    def on_window_loaded(self, _: WindowLoaded) -> None:
        if self._focus_after_search:  # a slow count never keeps the rows from the keys
            self.set_timer(SEARCH_FOCUS_WAIT, self._focus_after_answer)
        # Permissions are read once the first rows are in: the first screen matters most.
        if not self._may_started:
            self._may_started = True
            self._load_may()

    def on_count_loaded(self, message: CountLoaded) -> None:
        # The table took the total first; the count line follows it.
        self.call_after_refresh(self._show_count)
        if self._focus_after_search:
            self.call_after_refresh(self._focus_after_answer)

    def _focus_after_answer(self) -> None:
        """The search's answer is painted (or its count is slow): the table takes focus, unless
        the person has moved it elsewhere meanwhile."""
        if not self._focus_after_search:
            return
        self._focus_after_search = False
        if isinstance(self.focused, Input) and self.focused.id == "queue-search":
            self.table.focus()

    def _show_count(self) -> None:
        table = self.table
        if table.counting and not table.total:
            self.query_one("#queue-count", Static).update(f"{len(table.rows):,}+ escalations, counting…")
            return
        self.query_one("#queue-count", Static).update(
            f"{table.total:,} escalation{'s' if table.total != 1 else ''} │ row {min(table.cursor + 1, table.total):,}"
        )

    @on(VirtualTable.Highlighted)
    def _highlighted(self, _: VirtualTable.Highlighted) -> None:
        self._show_count()

    @on(VirtualTable.Chosen)
    def _chosen(self, event: VirtualTable.Chosen) -> None:
        self.load_detail(event.row.id, focus=True)

    # ------------------------------------------------------------ filters
    def _set(self, **changes: Any) -> None:
        self.filters = replace(self.filters, **changes)
        self.apply_filters()

    def action_cycle_status(self) -> None:
        i = STATUSES.index(self.filters.status) if self.filters.status in STATUSES else 0
        self._set(status=STATUSES[(i + 1) % len(STATUSES)])

    def action_cycle_category(self) -> None:
        app = self.session
        cats: list[str | None] = [None, *app.desk.policy.categories]
        i = cats.index(self.filters.category) if self.filters.category in cats else 0
        self._set(category=cats[(i + 1) % len(cats)])

    def action_cycle_site(self) -> None:
        sites: list[str | None] = [None, *self.session.sites]
        i = sites.index(self.filters.site) if self.filters.site in sites else 0
        self._set(site=sites[(i + 1) % len(sites)])

    def action_toggle_mine(self) -> None:
        self._set(mine=not self.filters.mine, owner=None)

    def action_toggle_unclaimed(self) -> None:
        self._set(owner=None if self.filters.owner == "none" else "none", mine=False)

    def action_toggle_overdue(self) -> None:
        self._set(overdue=not self.filters.overdue)

    def action_clear_filters(self) -> None:
        self.filters = Filters()
        search = self.query_one("#queue-search", Input)
        search.value = ""
        search.display = False
        self.apply_filters()

    def action_search(self) -> None:
        search = self.query_one("#queue-search", Input)
        search.display = True
        search.focus()

    @on(Input.Submitted, "#queue-search")
    def _search(self, event: Input.Submitted) -> None:
        self._set(text=event.value.strip() or None)
        if not event.value.strip():
            event.input.display = False
            self.table.focus()
        else:
            # The table takes focus once the search's rows and count are painted: the footer
            # rebuilt for the table's keys (~50 ms) then never holds back the frames that show them.
            self._focus_after_search = True

    # ------------------------------------------------------------ detail
    def open_escalation(self, escalation_id: int) -> None:
        """From the palette, the overdue lookup or the calendar: show that escalation."""
        if not self.is_mounted:  # first visit: on_mount opens it
            self._open_on_mount = escalation_id
            return
        self.table.select_id(escalation_id)
        self.load_detail(escalation_id, focus=True)

    def load_detail(self, escalation_id: int, focus: bool = False) -> None:
        """Read this escalation's detail in a worker. Each request carries a generation:
        an answer to an older one is dropped, so a slow load never replaces a newer one
        (the right item, always). Until another item's detail arrives, actions wait."""
        self._generation += 1
        self._focus_on_load = focus
        if self.detail is None or self.detail.escalation.id != escalation_id:
            self.opening = escalation_id
        session = self.session
        self.call(
            DETAIL_ACT,
            lambda: escalations.show(session.desk, session.logon, escalation_id, viewer_zone=session.zone),
            about=escalation_id,
            generation=self._generation,
            exclusive=True,
        )

    def on_acted(self, message: Acted[Any]) -> None:
        if message.act != DETAIL_ACT:
            self.actions.answered(message)
            return
        message.stop()
        if message.generation != self._generation or not isinstance(message.result, EscalationDetail):
            return  # an answer to an older request: a newer one is on its way
        self.opening = None
        self._show_detail(message.result, focus=self._focus_on_load)

    def on_act_failed(self, message: ActFailed) -> None:
        message.stop()
        if message.act == DETAIL_ACT:
            if message.generation != self._generation:
                return
            self.opening = None
            self.show_error(message.error)
            return
        self.actions.failed(message)

    def refresh_detail_of(self, escalation_id: int) -> None:
        """Re-read the detail after an act on ``escalation_id``, if that item is still the one shown."""
        if self.detail is not None and self.detail.escalation.id == escalation_id and self.opening is None:
            self.load_detail(escalation_id)

    def action_act(self, name: str) -> None:
        """A lifecycle action's key (the registry's bindings): run it for the item shown."""
        entry = BY_NAME.get(name)
        if entry is not None:
            self.actions.run(entry.action)

    def _show_detail(self, detail: EscalationDetail, *, focus: bool) -> None:
        if self.completes is not None and self.completes[0] != detail.escalation.id:
            self.completes = None
        self.detail = detail
        pane = self.query_one(EscalationDetailView)
        pane.display = True
        self.add_class("-detail-open")
        self._render_detail()
        self.refresh_bindings()  # the footer dims what the domain refuses on this item
        if focus:
            pane.focus()

    # ------------------------------------------------------------ offered actions
    def offer_of(self, name: str) -> Offer | None:
        """The domain's offer of ``name`` on the item SHOWN, or None when none is shown."""
        if self.detail is None or self.opening is not None:
            return None
        return next((o for o in self.detail.offered if o.action.value == name), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer and keys follow the domain's offers for the item shown (E12, R5):
        a refused action is dimmed (None); pressing its key says why (``on_key``)."""
        if action != "act" or not parameters or not isinstance(parameters[0], str):
            return True
        action = parameters[0]
        if self.opening is not None:
            return None  # another item is opening: nothing acts on the one still shown
        offer = self.offer_of(action)
        return True if offer is None or offer.allowed else None

    def on_key(self, event: events.Key) -> None:
        """A dimmed action's key still tells the person why it is refused (R5)."""
        entry = BY_KEY.get(event.key) or BY_KEY.get(event.character or "")
        if entry is None:
            return
        if self.opening is not None:
            event.stop()
            event.prevent_default()
            self.notify(f"#{self.opening} is still opening: try again in a moment", severity="warning", markup=False)
            return
        offer = self.offer_of(entry.name)
        if offer is not None and not offer.allowed:
            event.stop()
            event.prevent_default()
            self.notify(f"{offer.label}: {offer.reason}", severity="error", markup=False)

    def _render_detail(self) -> None:
        if self.detail is None:
            return
        app = self.session
        offered = offers(self.detail)
        completes = self.completes[1] if self.completes and self.completes[0] == self.detail.escalation.id else ""
        text = render_detail(self.detail, self.now, app.zone, offered, app.desk.policy, completes)
        self.query_one(EscalationDetailView).show(text)

    def action_close_detail(self) -> None:
        search = self.query_one("#queue-search", Input)
        if search.has_focus:
            search.display = bool(self.filters.text)
            self.table.focus()
            return
        self.detail = None
        self.opening = None
        self._generation += 1  # a load still on its way is for a closed pane: drop it
        self.refresh_bindings()
        self.query_one(EscalationDetailView).display = False
        self.remove_class("-detail-open")
        self.table.focus()
