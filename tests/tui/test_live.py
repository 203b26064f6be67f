"""The live floor in the TUI (issue 8): another officer's change, written by another
Desk on its own engine to the same database file, reaches the open queue and the open
detail through the change feed, the timer kept out of it, and the cursor stays on its row."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot

import screens.queue
from screens.queue.detail import EscalationDetailView
from screens.widgets.virtual_table import VirtualTable
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.store import Store
from tui.helpers import raise_some, settle

ROUNDS = 100  # pauses of 0.1 s: the feed polls every 0.5 s, so a change shows well within this


@pytest.fixture(autouse=True)
def no_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screens.queue.screen, "POLL_SECONDS", 3600.0)  # only the feed can bring a change in


@pytest.fixture
def other(desk: Desk, db_url: str) -> Iterator[Desk]:
    """Another officer's desk: its own engine on the same file, the same clock."""
    store = Store(db_url)
    yield Desk(store, policy=desk.policy, clock=desk.clock)
    store.dispose()


async def until(pilot: Pilot, seen: Callable[[], bool]) -> None:
    for _ in range(ROUNDS):
        if seen():
            return
        await pilot.pause(0.1)
    raise AssertionError("the change did not reach the screen")


async def test_another_desks_change_reaches_the_open_queue(desk, other, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert table.total == 1 and table.rows[0].owner is None
        await until(pilot, lambda: app.feed_live)
        escalations.claim(other, "sso1", eid)
        [new] = raise_some(other, 1, summary="raised elsewhere")
        await until(pilot, lambda: table.total == 2 and any(r.id == new for r in table.rows.values()))
        await until(pilot, lambda: table.rows[0].owner == "sso1")
        feed = app.feed
    assert feed is not None and not feed.running  # stopped with the app


async def test_the_cursor_stays_on_its_row_when_a_row_arrives_above(desk, other, make_app) -> None:
    ids = raise_some(desk, 3)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        await pilot.press("down", "down")
        assert table.current.id == ids[2]
        await until(pilot, lambda: app.feed_live)
        raise_some(other, 1, category="death", summary="more urgent")  # sorts first (E12 next action)
        await until(pilot, lambda: table.total == 4)
        await settle(pilot)
        assert table.rows[0].id not in ids  # it did arrive above
        assert table.current.id == ids[2]


async def test_another_desks_note_reaches_the_open_detail(desk, other, make_app) -> None:
    [eid] = raise_some(desk, 1)
    escalations.claim(desk, "sso1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(EscalationDetailView)
        assert f"#{eid}" in pane.body_text
        await until(pilot, lambda: app.feed_live)
        escalations.add_note(other, "sso1", eid, "rang ICT, ticket is with level 2")
        await until(pilot, lambda: "ticket is with level 2" in pane.body_text)
        assert app.screen.detail is not None and app.screen.detail.escalation.id == eid
