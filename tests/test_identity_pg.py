"""R7 on a PostgreSQL floor, with real login roles: the database login is the person (a
differing ``--user`` or ``TPSDESK_USER`` is refused, a policy map may name another logon);
the database's owner acting as no staff member sets the floor up and does nothing else;
``db upgrade`` gives ``tpsdesk_staff`` exactly what the app needs, so a staff login works
the floor but cannot rewrite history with plain SQL (D3); setting up needs the admin flag,
whose group role follows it, and each change is an event.

Login roles are cluster-wide: each test makes its own (``tps_<hex>``) and drops them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, invoke, ok_json, run
from conftest import PgLogins
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tpsdesk import pgroles
from tpsdesk.services.desk import Desk

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def roles_url(pg_url: str) -> str:
    """The module's database after ``tpsdesk db upgrade`` by its owner (the group roles granted)."""
    out = ok_json(invoke("db", "upgrade", "--json", db=pg_url))
    assert out["roles"]["applied"] is True, out
    return pg_url


@pytest.fixture
def floor_url(roles_url: str, pg_desk: Desk, pg_floor: Any) -> str:
    return roles_url


def sql(url: str, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()


def member(url: str, name: str, group: str) -> bool:
    return bool(sql(url, "SELECT pg_has_role(:n, :g, 'MEMBER')", n=name, g=group)[0][0])


def add_member(url: str, logins: PgLogins, role: str, *extra: str) -> str:
    """``staff add NAME --login`` by the database's owner: the staff member and their login role."""
    name = logins.new()
    out = ok_json(invoke("staff", "add", name, "--name", f"Person {name}", "--role", role, "--site", "SYD",
                         "--login", *extra, "--json", db=url))  # fmt: skip
    assert out["login"]["applied"] is True and out["login"]["login"] == name, out
    return name


def test_r7_pg_db_upgrade_grants_the_groups_exactly_what_the_app_needs(roles_url: str) -> None:
    def privileges() -> dict[tuple[str, str], set[str]]:
        rows = sql(
            roles_url,
            "SELECT g, t.tablename, p FROM pg_tables t, unnest(ARRAY['tpsdesk_staff', 'tpsdesk_admin']) g, "
            "unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p "
            "WHERE t.schemaname = 'public' AND has_table_privilege(g, 'public.' || t.tablename, p)",
        )
        out: dict[tuple[str, str], set[str]] = {}
        for group, table, privilege in rows:
            out.setdefault((group, table), set()).add(privilege)
        return out

    got = privileges()
    tables = {t for (_g, t) in got}
    assert {"note", "event", "escalation", "contact", "staff", "centre", "site", "alembic_version"} <= tables
    for table in tables:
        staff = {"SELECT"} | ({"INSERT"} if table in pgroles.STAFF_INSERT else set())
        staff |= {"UPDATE"} if table in pgroles.STAFF_UPDATE else set()
        assert got[(pgroles.STAFF, table)] == staff, table
        admin = staff | ({"INSERT", "UPDATE"} if table in pgroles.ADMIN_WRITE else set())
        assert got[(pgroles.ADMIN, table)] == admin, table  # through its membership of tpsdesk_staff
    # Exactly: a privilege granted by hand is taken back by the next upgrade, which also says so.
    sql(roles_url, "GRANT DELETE ON note, escalation TO tpsdesk_staff")
    again = run("db", "upgrade", db=roles_url)
    assert again.returncode == 0 and "tpsdesk_staff and tpsdesk_admin hold their grants" in again.stdout
    assert privileges() == got


def test_r7_pg_user_against_the_login(floor_url: str, pg_logins: PgLogins) -> None:
    tps = add_member(floor_url, pg_logins, "TPS")
    as_tps = pg_logins.url(tps)
    assert invoke("escalation", "list", db=as_tps).returncode == 0  # no --user: the login
    assert invoke("escalation", "list", db=as_tps, user=tps).returncode == 0  # the same: fine
    err = fails(invoke("escalation", "list", db=as_tps, user="sp1"), 3, "--user 'sp1'", f"login {tps!r}", "R7")
    assert "is staff member" in err
    fails(run("escalation", "list", db=as_tps, env={"TPSDESK_USER": "sp1"}), 3, "TPSDESK_USER 'sp1'", tps)
    # Setting up is refused to a staff login without the flag, and so is acting through another's name.
    fails(invoke("centre", "add", "GSC", "--name", "G", "--channel", "smart-centre", db=as_tps), 3, "admin flag", tps)
    # The database's owner (here a superuser) without --user: the floor's owner, for setting up only.
    ok_json(invoke("centre", "add", "GSC", "--name", "G", "--channel", "smart-centre", "--json", db=floor_url))
    fails(invoke("escalation", "list", db=floor_url), 3, "floor's owner", "no staff member", "set up the floor only")
    fails(invoke("escalation", "list", db=floor_url, user="sp1"), 3, "--user 'sp1'", "floor's owner")
    fails(invoke("centre", "add", "MEL", "--name", "M", "--channel", "smart-centre", db=floor_url, user="tl1"), 3,
          "--user 'tl1'")  # fmt: skip
    # A login in tpsdesk_staff that is no staff member's: told what to do.
    stranger = pg_logins.create(pgroles.STAFF)
    fails(invoke("escalation", "list", db=pg_logins.url(stranger)), 2, f"login {stranger!r}", "staff add", "--login")


def test_r7_pg_policy_maps_a_login_to_another_logon(floor_url: str, pg_logins: PgLogins, tmp_path: Path) -> None:
    login = pg_logins.new()
    override = tmp_path / "policy.toml"
    override.write_text(f'[identity]\nlogins = {{ "{login}" = "sp1" }}\n')
    env = {"TPSDESK_POLICY": str(override)}
    # `staff login sp1` creates the mapped login, not one called sp1.
    made = ok_json(run("staff", "login", "sp1", "--json", db=floor_url, env=env))
    assert made["login"] == login and made["applied"] is True and member(floor_url, login, pgroles.STAFF)
    as_sp1 = pg_logins.url(login)
    assert run("escalation", "list", "--json", db=as_sp1, user="sp1", env=env).returncode == 0
    fails(run("escalation", "list", db=as_sp1, user=login, env=env), 3, f"--user {login!r}", "staff member 'sp1'")
    # Without the map the login is no one here.
    fails(invoke("escalation", "list", db=as_sp1), 2, f"login {login!r}")


def test_r7_d3_pg_staff_login_works_the_floor_but_cannot_rewrite_history(floor_url: str, pg_logins: PgLogins) -> None:
    tps, sp = add_member(floor_url, pg_logins, "TPS"), add_member(floor_url, pg_logins, "SP")
    as_tps, as_sp = pg_logins.url(tps), pg_logins.url(sp)
    raised = ok_json(invoke("escalation", "raise", "--category", "death", "--crn", "123456789A", "--summary",
                            "partner died", "--json", db=as_tps))  # fmt: skip
    esc = str(raised["id"])
    ok_json(invoke("escalation", "claim", esc, "--note", "looking at the record", "--json", db=as_sp))
    ok_json(invoke("escalation", "note", esc, "coding", "checked", "--json", db=as_sp))
    logins = {r[0] for r in sql(floor_url, "SELECT login FROM event WHERE escalation_id = :e", e=int(esc))}
    assert logins == {tps, sp}
    before = sql(floor_url, "SELECT (SELECT count(*) FROM note), (SELECT count(*) FROM event)")
    engine = create_engine(as_sp)
    try:
        for statement in (
            "UPDATE note SET text = 'rewritten'",
            "DELETE FROM note",
            "UPDATE event SET kind = 'rewritten'",
            "DELETE FROM event",
            "TRUNCATE note CASCADE",
            "DELETE FROM escalation",
            "DELETE FROM contact",
            "UPDATE centre SET name = 'mine'",  # setting up: tpsdesk_admin only
            "INSERT INTO staff (logon, name, role, centre_id, site_id) VALUES ('x', 'x', 'TL', 1, 1)",
        ):
            with engine.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text(statement))
    finally:
        engine.dispose()
    assert sql(floor_url, "SELECT (SELECT count(*) FROM note), (SELECT count(*) FROM event)") == before


def test_r7_pg_admin_flag_follows_to_the_group_and_setup_is_recorded(floor_url: str, pg_logins: PgLogins) -> None:
    sp = add_member(floor_url, pg_logins, "TL")  # R6: the admin flag is a Team Leader's
    as_sp = pg_logins.url(sp)
    site = ["site", "add", "FRE", "--name", "Fremantle", "--centre", "PCC", "--tz", "Australia/Perth", "--state", "WA"]
    fails(invoke(*site, db=as_sp), 3, "admin flag", sp)
    granted = ok_json(invoke("staff", "admin", sp, "--json", db=floor_url))
    assert granted["admin"] is True and granted["login"]["applied"] is True and member(floor_url, sp, pgroles.ADMIN)
    ok_json(invoke(*site, "--json", db=as_sp))
    rows = sql(
        floor_url,
        "SELECT e.kind, s.logon, e.login, e.detail FROM event e LEFT JOIN staff s ON s.id = e.actor_id "
        "WHERE e.kind IN ('admin-granted', 'site-added', 'admin-revoked') ORDER BY e.id",
    )
    got = [(k, who, login, json.loads(d).get("logon") or json.loads(d).get("code")) for k, who, login, d in rows]
    assert got[-2:] == [
        ("admin-granted", None, "postgres", sp),  # the floor's owner: no actor, its login
        ("site-added", sp, sp, "FRE"),
    ]
    revoked = ok_json(invoke("staff", "admin", sp, "--revoke", "--json", db=as_sp))  # an admin may drop their own
    assert revoked["changed"] is True and revoked["login"]["applied"] is False  # a staff login cannot revoke roles
    fails(invoke("site", "add", "ADL", "--name", "A", "--centre", "PCC", "--tz", "Australia/Adelaide", "--state", "SA",
                 db=as_sp), 3, "admin flag")  # fmt: skip
    ok_json(invoke("staff", "admin", sp, "--revoke", "--json", db=floor_url))  # the owner syncs the group
    assert not member(floor_url, sp, pgroles.ADMIN)


def test_r7_pg_staff_add_login_without_createrole_prints_the_sql(floor_url: str, pg_logins: PgLogins) -> None:
    admin = add_member(floor_url, pg_logins, "TL", "--admin")
    as_admin = pg_logins.url(admin)
    newcomer = pg_logins.new()
    proc = invoke("staff", "add", newcomer, "--name", "New", "--role", "SO", "--site", "SYD", "--login", db=as_admin)
    assert proc.returncode == 0, proc.stderr
    assert (
        "nothing was granted" in proc.stdout and f'CREATE ROLE "{newcomer}" LOGIN IN ROLE tpsdesk_staff;' in proc.stdout
    )
    assert not sql(floor_url, "SELECT 1 FROM pg_roles WHERE rolname = :n", n=newcomer)
    assert sql(floor_url, "SELECT count(*) FROM staff WHERE logon = :n", n=newcomer) == [(1,)]
    # A logon that is no plain login name is refused before anything is written.
    fails(invoke("staff", "add", "Odd.One", "--name", "O", "--role", "SO", "--site", "SYD", "--login", db=floor_url),
          2, "--login", "plain")  # fmt: skip
    assert sql(floor_url, "SELECT count(*) FROM staff WHERE logon = 'Odd.One'") == [(0,)]
    # db upgrade by a login that owns no table: the SQL its owner runs, nothing changed.
    up = invoke("db", "upgrade", db=as_admin)
    assert up.returncode == 0 and "nothing was granted" in up.stdout and "GRANT SELECT ON ALL TABLES" in up.stdout
    # Resetting lifts the history's guard, which only the tables' owner may.
    fails(invoke("demo", "--reset", "--force", db=as_admin), 3, "only the database's owner")
