"""The right item, always (issue 9, item 8): a slow, older detail load never replaces a
newer one, and the next action acts on the item shown. The service is slowed by a gate
the test opens (no sleeping); conditions are awaited by pausing the Pilot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.command import CommandList, CommandPalette

from screens.queue import QueueScreen
from screens.queue.detail import EscalationDetailView
from tpsdesk.services import escalations
from tui.helpers import notices, raise_some, settle


async def _until(pilot: Any, condition: Callable[[], bool], rounds: int = 400) -> None:
    """Pause the Pilot until ``condition`` holds (workers may be held at a gate)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition never held")


def _slow_first_show(monkeypatch: Any) -> threading.Event:
    """``escalations.show``'s FIRST call waits for the returned gate; later calls answer at
    once; ``FIRST_ANSWERED`` is set when the held read returns."""
    real = escalations.show
    gate = threading.Event()
    calls: list[int] = []
    FIRST_ANSWERED.clear()

    def show(desk: Any, logon: str, escalation_id: int, **kw: Any) -> Any:
        calls.append(escalation_id)
        if len(calls) > 1:
            return real(desk, logon, escalation_id, **kw)
        gate.wait(timeout=60)  # a safety bound only: the test opens the gate
        try:
            return real(desk, logon, escalation_id, **kw)
        finally:
            FIRST_ANSWERED.set()

    monkeypatch.setattr(escalations, "show", show)
    return gate


FIRST_ANSWERED = threading.Event()  # the held, older read has returned


def _body(app: Any) -> str:
    return app.screen.query_one(EscalationDetailView).body_text


async def _palette_open(app: Any, pilot: Any, eid: int) -> None:
    await pilot.press("ctrl+p")
    await _until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*str(eid))

    def found() -> bool:
        options = app.screen.query_one(CommandList)
        return options.option_count > 0 and f"escalation {eid} " in str(options.get_option_at_index(0).prompt)

    await _until(pilot, found)
    await pilot.press("down", "enter")
    await _until(pilot, lambda: isinstance(app.screen, QueueScreen))


async def test_item8_palette_quick_succession_the_last_opened_wins_and_c_claims_it(desk, make_app, monkeypatch) -> None:
    first, last = raise_some(desk, 2)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gate = _slow_first_show(monkeypatch)
        await _palette_open(app, pilot, first)  # its load is held at the gate
        await _palette_open(app, pilot, last)
        await _until(pilot, lambda: _body(app).startswith(f"#{last} "))
        gate.set()  # the older, slower answer arrives now
        await _until(pilot, FIRST_ANSWERED.is_set)
        await settle(pilot)
        assert _body(app).startswith(f"#{last} ")
        await pilot.press("c")
        await settle(pilot)
        assert escalations.show(desk, "sp1", last).escalation.owner == "sp1"
        assert escalations.show(desk, "sp1", first).escalation.owner is None


async def test_item8_overdue_lookup_quick_succession_the_last_opened_wins(desk, clock, make_app, monkeypatch) -> None:
    first, last = raise_some(desk, 2, category="death")  # E3: overdue after a day
    clock.advance(days=3)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        gate = _slow_first_show(monkeypatch)
        for eid in (first, last):
            await pilot.press("f7")
            await settle(pilot)  # the lookup's own read (not held)
            await pilot.press(*str(eid), "enter")
            await _until(pilot, lambda: isinstance(app.screen, QueueScreen))
        await _until(pilot, lambda: _body(app).startswith(f"#{last} "))
        gate.set()
        await _until(pilot, FIRST_ANSWERED.is_set)
        await settle(pilot)
        assert _body(app).startswith(f"#{last} ")
        await pilot.press("c")
        await settle(pilot)
        assert escalations.show(desk, "sp1", last).escalation.owner == "sp1"
        assert escalations.show(desk, "sp1", first).escalation.owner is None


async def test_item8_an_action_while_another_item_opens_waits_and_changes_nothing(desk, make_app, monkeypatch) -> None:
    shown, opening = raise_some(desk, 2)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_escalation(shown)
        await settle(pilot)
        gate = _slow_first_show(monkeypatch)
        app.open_escalation(opening)  # held at the gate
        await pilot.pause()
        await pilot.press("c")  # the pane still shows the other item: nothing acts on it
        await pilot.pause()
        assert any("still opening" in n for n in notices(app))
        gate.set()
        await settle(pilot)
        assert _body(app).startswith(f"#{opening} ")
        assert escalations.show(desk, "sp1", shown).escalation.owner is None
        assert escalations.show(desk, "sp1", opening).escalation.owner is None


async def test_r5_a_refused_key_is_dimmed_and_says_why(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    escalations.claim(desk, "sso1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_escalation(eid)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert screen.check_action("act", ("claim",)) is None  # dimmed in the footer
        assert screen.check_action("act", ("note",)) is True
        await pilot.press("c")
        await settle(pilot)
        assert any("Claim: " in n and "Sid Support" in n for n in notices(app))
        assert escalations.show(desk, "sp1", eid).escalation.owner == "sso1"


async def test_palette_ranks_an_exact_id_first(desk, make_app) -> None:
    from screens.palette import DeskCommands

    ids = raise_some(desk, 301)
    assert 30 in ids and 301 in ids
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        hits = [hit async for hit in DeskCommands(app.screen).search("30")]
        best = max(hits, key=lambda hit: hit.score)
        assert best.text is not None and best.text.startswith("Open escalation 30 ")
        assert sum(hit.score == best.score for hit in hits) == 1


async def test_item8_a_reload_while_another_item_opens_keeps_the_one_opening(desk, make_app, monkeypatch) -> None:
    """A poll or a change heard while B opens re-reads B, never the A still shown (E12, R5)."""
    shown, opening = raise_some(desk, 2)
    app = make_app("sp1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_escalation(shown)
        await settle(pilot)
        gate = _slow_first_show(monkeypatch)
        app.open_escalation(opening)  # held at the gate
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        screen.poll(force=True)  # the queue re-reads meanwhile
        await pilot.pause()
        gate.set()
        await _until(pilot, FIRST_ANSWERED.is_set)
        await settle(pilot)
        assert _body(app).startswith(f"#{opening} ") and screen.opening is None
        assert screen.detail is not None and screen.detail.escalation.id == opening
