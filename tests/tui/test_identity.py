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
        assert same.user == name


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
