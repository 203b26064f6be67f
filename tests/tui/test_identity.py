"""R7 in the app: the first run sets the floor up as its owner and makes a first staff member
who is a Team Leader an admin (R6); on PostgreSQL the login signs in without a picker, and a mismatched --user, or
the floor's owner on a set-up floor, gets one clear message instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cli_helpers import ok_json
from conftest import OWNER, PgLogins
from textual.widgets import Input, Select, Static

from screens.app import TpsApp
from screens.identity import SignInRefused, UserPicker
from tpsdesk.services import setup
from tpsdesk.services.desk import Desk
from tpsdesk.store import Store
from tui.helpers import settle


@pytest.mark.parametrize("role", ["TL", "SP"])
async def test_r6_r7_first_run_makes_a_first_team_leader_an_admin(desk: Desk, monkeypatch, role: str) -> None:
    monkeypatch.delenv("TPSDESK_USER", raising=False)
    app = TpsApp(desk, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for wid, value in {"centre-code": "ABC", "site-code": "MEL", "logon": "me1", "name": "Mo Eel"}.items():
            app.screen.query_one(f"#{wid}", Input).value = value
        app.screen.query_one("#role", Select).value = role
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session.logon == "me1"
    assert [s.admin for s in setup.list_staff(desk)] == [role == "TL"]  # R6: the flag is a TL's
    with desk.store.read() as session:
        kinds = [r[0] for r in session.connection().exec_driver_sql("SELECT kind, actor_id FROM event ORDER BY id")]
    assert kinds == ["centre-added", "site-added", "staff-added"]


# ---------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="module")
def roles_url(pg_url: str) -> str:
    from cli_helpers import invoke

    assert ok_json(invoke("db", "upgrade", "--json", db=pg_url))["roles"]["applied"] is True
    return pg_url


@pytest.fixture
def as_login(roles_url: str, pg_desk: Desk, pg_floor: Any, pg_logins: PgLogins) -> Iterator[tuple[str, Desk]]:
    """A staff member (SP at SYD) with their own login, and a desk connected as that login."""
    name = pg_logins.new()
    setup.add_staff(pg_desk, OWNER, name, "Sue Login", "SP", "SYD")
    assert setup.provide_login(pg_desk, OWNER, name).report.applied
    store = Store(pg_logins.url(name))
    yield name, Desk(store, policy=pg_desk.policy, clock=pg_desk.clock)
    store.dispose()


@pytest.mark.postgres
async def test_r7_pg_the_login_signs_in_without_a_picker(as_login: tuple[str, Desk]) -> None:
    name, desk = as_login
    app = TpsApp(desk, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.session.logon == name and app.current_mode == "queue"
        assert not any(isinstance(s, UserPicker) for s in app.screen_stack)
    same = TpsApp(desk, name)  # --user naming the login itself is fine
    async with same.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert same.session.logon == name


@pytest.mark.postgres
async def test_r7_pg_mismatched_user_gets_one_message_and_no_picker(as_login: tuple[str, Desk]) -> None:
    name, desk = as_login
    app = TpsApp(desk, "sp1")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInRefused) and not app.signed_in
        message = str(app.screen.query_one("#refused-message", Static).content)
        assert "--user 'sp1'" in message and f"login {name!r}" in message
        await pilot.press("escape")
        await settle(pilot)
    assert app.return_code is not None or not app.is_running


@pytest.mark.postgres
async def test_r7_pg_floor_owner_on_a_set_up_floor_is_told_it_is_no_staff_member(pg_desk: Desk, pg_floor: Any) -> None:
    app = TpsApp(pg_desk, None)  # connected as postgres: the floor's owner
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInRefused)
        assert "floor's owner" in str(app.screen.query_one("#refused-message", Static).content)


# ---------------------------------------------------------------- the first run and the picker
async def test_r7_first_run_refused_field_is_named_under_it_and_nothing_is_made(desk: Desk, monkeypatch) -> None:
    from screens.widgets.field_row import FieldRow

    monkeypatch.delenv("TPSDESK_USER", raising=False)
    app = TpsApp(desk, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for wid, value in {"centre-code": "ABC", "site-code": "", "logon": "me1", "name": "Mo Eel"}.items():
            app.screen.query_one(f"#{wid}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = {row.label: row.error for row in app.screen.query(FieldRow)}
        assert rows["Site code"].startswith("Site code: a code is required")
        assert [label for label, error in rows.items() if error] == ["Site code"]
        assert app.focused is app.screen.query_one("#site-code", Input)
        assert not app.signed_in
        app.screen.query_one("#site-code", Input).value = "MEL"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session.logon == "me1" and app.session.site == "MEL"
    assert [c.code for c in setup.list_centres(desk)] == ["ABC"]


async def test_r7_first_run_set_up_refused_late_leaves_nothing(desk: Desk, monkeypatch) -> None:
    """A Centre code taken meanwhile is found inside the transaction: nothing of the three is
    made, and the message names the field by its label."""
    from screens.widgets.field_row import FieldRow

    monkeypatch.delenv("TPSDESK_USER", raising=False)
    app = TpsApp(desk, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        setup.add_centre(desk, OWNER, "OLD", "Old", "smart-centre")  # made meanwhile, elsewhere
        for wid, value in {"centre-code": "OLD", "site-code": "MEL", "logon": "me1", "name": "Mo Eel"}.items():
            app.screen.query_one(f"#{wid}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = {row.label: row.error for row in app.screen.query(FieldRow)}
        assert rows["Centre code"] == "Centre code: a Centre with code OLD already exists"
    assert [c.code for c in setup.list_centres(desk)] == ["OLD"] and setup.list_sites(desk) == []
    assert setup.list_staff(desk) == []


async def test_picker_types_ahead_so1_then_enter_signs_in_as_so1(desk: Desk, floor: Any) -> None:
    """90 people, so1 far down the list: typing 'so1' puts so1 first (a logon that starts with
    it before one that only contains it), and Enter signs in."""
    from textual.widgets import OptionList

    for i in range(76):
        setup.add_staff(desk, OWNER, f"aa{i:02}", f"Person {i}", "SO", "SYD")
    setup.add_staff(desk, OWNER, "adl.so1", "Adele So", "SO", "SYD")
    setup.add_staff(desk, OWNER, "so10", "Sol Ten", "SO", "SYD")
    app = TpsApp(desk, "nobody-here")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UserPicker)
        options = app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert len(ids) >= 90 and ids.index("so1") > 20
        assert isinstance(app.focused, Input)  # type straight away
        await pilot.press(*"so1")
        await pilot.pause()
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[:2] == ["so1", "so10"] and set(ids[2:]) == {"adl.so1", "crso1", "crsso1", "sso1"}
        await pilot.press("down", "up", "enter")
        await settle(pilot)
        assert app.session.logon == "so1" and app.current_mode == "intake"


async def test_picker_matches_names_and_says_when_nobody_matches(desk: Desk, floor: Any) -> None:
    from textual.widgets import OptionList

    app = TpsApp(desk, "nobody-here")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"senior")  # Sue Senior's name, not her logon
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["sp1"]
        await pilot.press(*"zzz")
        await pilot.pause()
        assert options.option_count == 0
        assert "Nobody" in str(app.screen.query_one("#picker-status", Static).content)
        await pilot.press("enter")  # nothing to pick: stays
        await pilot.pause()
        assert isinstance(app.screen, UserPicker) and not app.signed_in


def test_picker_ranks_logon_prefix_then_a_part_or_name_word_then_any_match() -> None:
    from screens.identity import rank

    def member(logon: str, name: str) -> setup.StaffView:
        return setup.StaffView(logon, name, "SO", "PCC", "SYD", "smart-centre", None, False, True)

    staff = [member("crso1", "Zoe Smith"), member("adl.so1", "Leo Chen"), member("so10", "Sol Ten"),
             member("tps1", "Sonia So1"), member("so1", "Jack Wong"), member("sp1", "Sue Senior")]  # fmt: skip
    assert [s.logon for s in rank("SO1", staff)] == ["so1", "so10", "adl.so1", "tps1", "crso1"]
    assert [s.logon for s in rank("", staff)] == [s.logon for s in staff]
