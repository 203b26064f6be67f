"""The escalation queue (F3): virtual table, filters, detail and actions, checked in the database."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from screens.queue.detail import EscalationDetailView
from screens.widgets import virtual_table
from screens.widgets.action_dialogs import FormDialog
from screens.widgets.virtual_table import VirtualTable
from tpsdesk.services import escalations
from tui.helpers import notices, raise_some, settle


async def _open_queue(app, pilot) -> VirtualTable:
    await settle(pilot)
    assert app.current_mode == "queue"
    return app.screen.query_one(VirtualTable)


async def test_queue_counts_whole_filtered_set_and_pages_by_keyset(desk, make_app, monkeypatch) -> None:
    monkeypatch.setattr(virtual_table, "PAGE", 10)  # small pages so a few rows need several fetches
    ids = raise_some(desk, 45)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        assert table.total == 45
        assert len(table.rows) < 45  # only a window is held, never the whole table
        assert "45 escalations" in str(app.screen.query_one("#queue-count").content)
        await pilot.press("end")
        await settle(pilot)
        assert table.cursor == 44
        assert table.rows[44].id == ids[-1]  # the last page, fetched by keyset from the end
        await pilot.press("pageup")
        await settle(pilot)
        assert [table.rows[i].id for i in range(table.cursor, 45)] == ids[table.cursor :]


async def test_e11_claim_from_queue_sets_owner_in_db(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("c")
        await settle(pilot)
        assert escalations.show(desk, "sp1", eid).escalation.owner == "sp1"


async def test_r5_refused_claim_says_why_and_changes_nothing(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("tps1")  # a TPS outside the SP pool may not work escalations (W5)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert any("pool" in n for n in notices(app))
        assert escalations.show(desk, "sp1", eid).escalation.owner is None


async def test_enter_opens_detail_with_c8_working_and_history(desk, make_app) -> None:
    [eid] = raise_some(desk, 1, category="death")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        body = app.screen.query_one(EscalationDetailView).body_text
        assert f"#{eid}" in body and "Due-time working (C8)" in body
        assert "raised" in body and "History" in body


async def test_filters_mine_and_status_are_one_key_away(desk, make_app) -> None:
    a, b = raise_some(desk, 2)
    escalations.claim(desk, "sp1", a)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        assert table.total == 2
        await pilot.press("m")
        await settle(pilot)
        assert table.total == 1 and table.rows[0].id == a
        await pilot.press("m", "s", "s")  # mine off; status: open -> new -> in-progress
        await settle(pilot)
        assert app.screen.filters.status == "in-progress"
        assert table.total == 1 and table.rows[0].id == a
        await pilot.press("x", "slash")
        await pilot.press(*str(b), "enter")
        await settle(pilot)
        assert table.total == 1 and table.rows[0].id == b


async def test_e11_another_users_change_appears_after_poll_without_a_feed(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1", live=False)  # no change feed: the timer re-reads
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        assert table.rows[0].owner is None
        escalations.claim(desk, "sso1", eid)  # someone else, elsewhere
        raise_some(desk, 1)
        app.screen.poll()  # what the timer does every few seconds
        await settle(pilot)
        assert table.rows[0].owner == "sso1"
        assert table.total == 2


async def test_d3_note_dialog_stores_the_note(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one(TextArea).insert("called the customer")
        await pilot.press("ctrl+s")
        await settle(pilot)
        notes = escalations.show(desk, "sp1", eid).notes
        assert notes[-1].text == "called the customer" and notes[-1].author == "sp1"


async def test_f2_finalise_with_d1_missing_shows_fields_and_leaves_row(desk, clock, make_app) -> None:
    [eid] = raise_some(desk, 1)
    escalations.claim(desk, "sp1", eid)
    clock.advance(days=3)  # past day one: D1 is needed (F2)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        intro = str(dialog.query_one("#dialog-intro").content)
        assert "action_taken" in intro and "why_not_day_one" in intro
        dialog.query_one("#field-reason").value = "resolved"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)  # still open, the refusal shown in place
        assert "F2" in str(app.screen.query_one("#dialog-error").content)
        after = escalations.show(desk, "sp1", eid).escalation
        assert after.status == "in-progress" and after.finalised_at is None


async def test_e11_conflict_names_who_and_keeps_typed_text(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    escalations.claim(desk, "sp1", eid)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#field-action_taken", TextArea).insert("checked the debt [bold")
        escalations.assign(desk, "tl1", eid, "sso1")  # meanwhile, a Team Leader reassigns it
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#dialog-error").content)
        assert "Tina Lead (tl1)" in error
        assert dialog.query_one("#field-action_taken", TextArea).text == "checked the debt [bold"
        assert not escalations.show(desk, "sp1", eid).requirements["d1"]["action_taken"]


async def test_search_input_keeps_f_keys(desk, make_app) -> None:
    raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("f2")
        await pilot.pause()
        assert app.current_mode == "intake"


async def test_80x24_detail_takes_the_whole_width(desk, make_app) -> None:
    raise_some(desk, 3)
    app = make_app("sp1")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await _open_queue(app, pilot)
        assert table.total == 3 and table.region.width > 70
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(EscalationDetailView).region.width > 70
        assert not table.region.width  # the list steps aside while the detail is open
        await pilot.press("escape")
        await pilot.pause()
        assert table.region.width > 70


async def test_far_jump_uses_key_at_when_the_source_offers_it(desk, make_app, monkeypatch) -> None:
    from screens.queue import EscalationSource

    monkeypatch.setattr(virtual_table, "PAGE", 5)
    monkeypatch.setattr(virtual_table, "STEP", 5)
    ids = raise_some(desk, 40)
    asked: list[int] = []

    def key_at(self, index: int):
        asked.append(index)
        return escalations.list_page(self.desk, self.user, self.filters, limit=index + 1)[-1].key

    monkeypatch.setattr(EscalationSource, "key_at", key_at, raising=False)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        table._go(30)
        await settle(pilot)
        assert asked and table.rows[30].id == ids[30]


async def test_f_key_while_a_dialog_is_open_keeps_the_dialog_and_its_text(desk, make_app) -> None:
    [eid] = raise_some(desk, 1)
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_queue(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one(TextArea).insert("half-typed [bold note")
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen is dialog and app.current_mode == "queue"
        assert dialog.query_one(TextArea).text == "half-typed [bold note"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert escalations.show(desk, "sp1", eid).notes[-1].text == "half-typed [bold note"


async def test_search_moves_focus_to_the_table_once_its_answer_is_in(desk, make_app) -> None:
    """Enter in the search box: the rows and the count are painted first, then the table has
    the keys (the footer follows it), so the next arrow moves the cursor."""
    raise_some(desk, 3, summary="letter to customer")
    raise_some(desk, 2, summary="phone call")
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        await pilot.press("slash", *"letter", "enter")
        await settle(pilot)
        assert table.total == 3 and "3 escalations" in str(app.screen.query_one("#queue-count").content)
        assert app.focused is table
        await pilot.press("down")
        assert table.cursor == 1


async def test_search_focus_waits_for_no_slow_count_and_never_takes_focus_back(desk, make_app, monkeypatch) -> None:
    import threading

    from screens.queue import screen as queue_screen

    raise_some(desk, 3, summary="letter to customer")
    release = threading.Event()
    real_count = queue_screen.EscalationSource.count

    def slow_count(self) -> int:
        if self.filters.text:
            release.wait(10)
        return real_count(self)

    monkeypatch.setattr(queue_screen.EscalationSource, "count", slow_count)
    monkeypatch.setattr(queue_screen, "SEARCH_FOCUS_WAIT", 0.001)  # the wait for the count, spent at once
    app = make_app("sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _open_queue(app, pilot)
        await pilot.press("slash", *"letter", "enter")
        for _ in range(200):  # the rows land while the count is held
            await pilot.pause()
            if len(table.rows) == 3 and app.focused is table:
                break
        assert len(table.rows) == 3 and app.focused is table and table.counting
        search = app.screen.query_one("#queue-search", Input)
        search.focus()  # the person goes back to the box before the count is in
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert table.total == 3 and app.focused is search  # the late count leaves focus where it is
