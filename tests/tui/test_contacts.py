"""Open contacts (F8, issue 9 item 9): TPS completes the contacts SOs recorded (I7, I8, R1)."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.widgets import DataTable

from screens.contacts import ContactsScreen, OutcomeDialog
from tests.test_intake import ask as technical_contact
from tpsdesk.models import Contact, Outbox, Staff
from tpsdesk.services import intake
from tui.helpers import notices, settle


def ask(desk, logon: str = "so1", **kw: Any) -> intake.ContactView:
    """The intake tests' complete technical contact, by so1 with a CRN unless told otherwise."""
    return technical_contact(desk, logon, **{"crn": "123456789A", **kw})


def ids(app) -> list[str]:
    table = app.screen.query_one("#contacts-table", DataTable)
    return [table.get_row_at(i)[0].plain for i in range(table.row_count)]


async def test_f8_opens_open_contacts_from_the_queue_oldest_first_crn_masked(desk, clock, make_app) -> None:
    first = ask(desk)
    clock.advance(hours=1)
    second = ask(desk)
    app = make_app("sp1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.current_mode == "queue"
        await pilot.press("f8")
        await settle(pilot)
        assert app.current_mode == "contacts" and isinstance(app.screen, ContactsScreen)
        assert ids(app) == [str(first.id), str(second.id)]
        row = [cell.plain for cell in app.screen.query_one(DataTable).get_row_at(0)]
        assert row[1] == "1h 00m" and row[2] == "open" and "so1" in row[3] and row[4] == "******789A"
        title = str(app.screen.query_one("#contacts-title").render())
        assert "Open contacts at SYD: 2" in title


async def test_i7_i8_tps_records_an_outcome_the_contact_completes_and_the_requester_is_told(desk, make_app) -> None:
    c = ask(desk)
    app = make_app("tps1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeDialog)
        await pilot.press("space")  # the first outcome: resolved by TPS
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert ids(app) == []
        said = str(app.screen.query_one("#contacts-said").render())
        assert f"Contact #{c.id} complete" in said and "Confirmation queued for the requester so1 (I7" in said
    with desk.store.read() as s:
        row = s.get(Contact, c.id)
        assert row is not None and row.status == "complete" and row.outcomes == '["resolved"]'
        tps = s.exec(select(Staff).where(Staff.logon == "tps1")).one()
        assert row.tps_id == tps.id
        so = s.exec(select(Staff).where(Staff.logon == "so1")).one()
        [mail] = s.exec(select(Outbox).where(Outbox.contact_id == c.id)).all()
        assert mail.recipient == (so.email or so.logon)


async def test_an_outcome_needs_one_chosen_and_nothing_is_saved_without(desk, make_app) -> None:
    c = ask(desk)
    app = make_app("tps1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeDialog)
        assert "choose at least one outcome" in str(app.screen.query_one("#outcome-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert ids(app) == [str(c.id)]
    assert intake.get_contact(desk, "tps1", c.id).status == "open"


async def test_completed_meanwhile_by_someone_else_is_one_message_and_the_list_reloads(desk, make_app) -> None:
    c = ask(desk)
    app = make_app("tps1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        intake.record_outcome(desk, "tps2", c.id, ["took-over"])  # another officer, meanwhile
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        gone = [n for n in notices(app) if "completed or changed by someone else meanwhile" in n]
        assert len(gone) == 1 and f"#{c.id}" in gone[0]
        assert ids(app) == []
    done = intake.get_contact(desk, "tps1", c.id)
    assert done.outcomes == ["took-over"] and done.outcome_by == "tps2"  # the other officer's outcome stands


async def test_r1_an_so_sees_their_own_contacts_with_status_and_no_outcome_key(desk, make_app) -> None:
    mine = ask(desk)
    done = ask(desk)
    ask(desk, "so_per")  # another SO's contact is not shown
    intake.record_outcome(desk, "tps1", done.id, ["resolved"])
    app = make_app("so1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert ids(app) == [str(mine.id), str(done.id)]
        table = app.screen.query_one(DataTable)
        assert [table.get_row_at(i)[2].plain for i in range(2)] == ["open", "complete"]
        shown = {b.binding.id for b in app.screen.active_bindings.values() if b.enabled and b.binding.show}
        assert "contacts.outcome" not in shown
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "contacts" and isinstance(app.screen, ContactsScreen)  # no dialog, no overdue
        refused = [n for n in notices(app) if n.startswith("refused:")]
        assert len(refused) == 2 and "outcome" in refused[0]
    assert intake.get_contact(desk, "so1", mine.id).status == "open"


async def test_the_list_follows_the_change_feed(desk, make_app) -> None:
    from tpsdesk.changes import Changes

    app = make_app("tps1", live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert ids(app) == []
        c = ask(desk)
        app.screen.floor_changed(Changes(everything=True))
        await settle(pilot)
        assert ids(app) == [str(c.id)]
