"""SVG snapshots of the queue, detail, overdue lookup, help and first-run screens at
120x40, with the fake clock (header time included) and fixed data."""

from __future__ import annotations

import pytest

from tpsdesk.services import escalations
from tui.helpers import settle


@pytest.fixture(autouse=True)
def no_poll(monkeypatch) -> None:
    """The queue's poll would repaint mid-snapshot on a slow machine: keep it out."""
    from screens.queue import screen

    monkeypatch.setattr(screen, "POLL_SECONDS", 3600)


@pytest.fixture
def queue_data(desk, clock, floor) -> None:
    """A fixed floor: one of several categories, some claimed, some overdue."""
    rows = [
        ("review", "123456789A", "Customer asks for a review of the debt decision"),
        ("death", "234567891B", "Partner deceased: coding needed"),
        ("system", "345678912C", "Payment screen freezes on save [see NNU]"),
        ("q999", "456789123D", "Q999 letter request"),
    ]
    ids = [escalations.raise_escalation(desk, "tps1", category=c, crn=crn, summary=s).id for c, crn, s in rows]
    escalations.claim(desk, "sp1", ids[0], note="Looking at the record now")
    clock.advance(hours=30)  # the death notification is now past its 24 hours (E3)
    escalations.raise_escalation(desk, "tps1", category="policy", crn="567891234E", summary="Reference says two things")


def test_snapshot_queue(snap_compare, make_app, queue_data) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=ready)


def test_snapshot_detail(snap_compare, make_app, queue_data) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)

    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=ready)


def test_snapshot_overdue(snap_compare, make_app, queue_data) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        from textual.widgets import Input

        filter_box = pilot.app.screen.query_one(Input)
        filter_box.cursor_blink = False  # a blinking cursor makes the picture depend on timing
        filter_box._cursor_visible = True
        await pilot.pause()

    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=ready)


def test_snapshot_help(snap_compare, make_app, queue_data) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(make_app("sp1"), terminal_size=(120, 40), run_before=ready)


def test_snapshot_first_run(snap_compare, make_empty_app, monkeypatch) -> None:
    monkeypatch.setenv("TPSDESK_USER", "newsp")

    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_empty_app(None), terminal_size=(120, 40), run_before=ready)


def test_snapshot_queue_at_80x24(snap_compare, make_app, queue_data) -> None:
    async def ready(pilot) -> None:
        await settle(pilot)

    assert snap_compare(make_app("sp1"), terminal_size=(80, 24), run_before=ready)
