"""R7 on a SQLite desk: the file's owner may act as any staff member of it and, acting as no
one in particular, sets the floor up; anyone else needs the admin flag; each change of the
floor's set-up is a history event; ``demo --reset`` deletes only what the demo made unless
forced, asks on a terminal, and records itself."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, invoke, ok_json, run

from tpsdesk.errors import PolicyError
from tpsdesk.policy import Policy, merge
from tpsdesk.services.desk import Desk

SITE = ["--tz", "Australia/Perth", "--state", "WA"]


@pytest.fixture
def floor_db(desk: Desk, floor: Any, db_url: str) -> str:
    return db_url


def events(db: str, *kinds: str) -> list[dict[str, Any]]:
    """The history events of ``kinds``, oldest first, with the actor's logon."""
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        marks = ",".join("?" for _ in kinds)
        rows = con.execute(
            "SELECT e.kind, s.logon, e.login, e.detail, e.actor_id FROM event e LEFT JOIN staff s ON s.id = e.actor_id "
            f"WHERE e.kind IN ({marks}) ORDER BY e.id",
            kinds,
        ).fetchall()
    return [
        {"kind": k, "actor": who, "login": login, "detail": json.loads(d or "{}"), "actor_id": aid}
        for k, who, login, d, aid in rows
    ]


def count(db: str, table: str) -> int:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# ---------------------------------------------------------------- setting up (R7)
def test_r7_sqlite_file_owner_sets_up_and_each_change_is_an_event(floor_db: str, desk: Desk) -> None:
    # The file's owner, acting as no one in particular: the floor's owner (the actor is none, the login says who).
    ok_json(run("centre", "add", "GSC", "--name", "Geelong", "--channel", "smart-centre", "--json", db=floor_db))
    # An admin (tl1) as any staff member of the file: the event's actor is that admin.
    ok_json(invoke("site", "add", "FRE", "--name", "Fremantle", "--centre", "GSC", *SITE, "--json", db=floor_db,
                   user="tl1"))  # fmt: skip
    ok_json(invoke("staff", "add", "sp9", "--name", "Sal", "--role", "SP", "--site", "FRE", "--json", db=floor_db,
                   user="tl1"))  # fmt: skip
    got = events(floor_db, "centre-added", "site-added", "staff-added")
    assert [(e["kind"], e["actor"], e["detail"].get("code") or e["detail"].get("logon")) for e in got][-3:] == [
        ("centre-added", None, "GSC"),
        ("site-added", "tl1", "FRE"),
        ("staff-added", "tl1", "sp9"),
    ]
    assert {e["login"] for e in got} == {desk.store.login}


@pytest.mark.parametrize("logon", ["so1", "tps1", "sp1", "sso1", "crtl1"])
def test_r7_sqlite_setup_without_the_admin_flag_is_refused_and_changes_nothing(floor_db: str, logon: str) -> None:
    before = (count(floor_db, "centre"), count(floor_db, "site"), count(floor_db, "staff"), count(floor_db, "event"))
    cases = [
        ("centre", "add", "GSC", "--name", "Geelong", "--channel", "smart-centre"),
        ("site", "add", "FRE", "--name", "Fremantle", "--centre", "PCC", *SITE),
        ("staff", "add", "so9", "--name", "Sam", "--role", "SO", "--site", "SYD"),
        ("staff", "admin", logon),
        ("site", "holidays", "PER", "--add", "2026-10-01"),
    ]
    for args in cases:
        fails(invoke(*args, db=floor_db, user=logon), 3, "refused", "admin flag", "R7", logon)
    fails(run("demo", "--reset", db=floor_db, user=logon), 3, "admin flag", logon)
    after = (count(floor_db, "centre"), count(floor_db, "site"), count(floor_db, "staff"), count(floor_db, "event"))
    assert after == before


def test_r7_sqlite_not_the_files_owner_is_not_the_floors_owner(floor_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone else (root, say) opening the file without --user sets nothing up: they are no staff member either.
    monkeypatch.setattr(os, "getuid", lambda: os.stat(floor_db.removeprefix("sqlite:///")).st_uid + 4242)
    fails(
        invoke("centre", "add", "GSC", "--name", "G", "--channel", "smart-centre", db=floor_db),
        3,
        "floor's owner or a staff member with the admin flag",
    )
    assert count(floor_db, "centre") == 2
    # As an admin of the file, they may (R7: the flag, whoever holds the file).
    ok_json(
        invoke("centre", "add", "GSC", "--name", "G", "--channel", "smart-centre", "--json", db=floor_db, user="tl1")
    )


def test_r7_admin_flag_granted_and_revoked_each_an_event(floor_db: str) -> None:
    added = ok_json(invoke("staff", "add", "tl9", "--name", "Ana", "--role", "TL", "--site", "SYD", "--admin",
                           "--json", db=floor_db))  # fmt: skip
    assert added["admin"] is True
    granted = ok_json(invoke("staff", "admin", "crtl1", "--json", db=floor_db, user="tl9"))
    assert granted["admin"] is True and granted["changed"] is True and granted["login"] is None
    # crtl1 may now set up; revoking takes it away again.
    ok_json(
        invoke("centre", "add", "GSC", "--name", "G", "--channel", "smart-centre", "--json", db=floor_db, user="crtl1")
    )
    revoked = invoke("staff", "admin", "crtl1", "--revoke", db=floor_db, user="tl1")
    assert revoked.returncode == 0 and "no longer an admin" in revoked.stdout
    again = invoke("staff", "admin", "crtl1", "--revoke", db=floor_db, user="tl1")
    assert again.returncode == 0 and "nothing changed" in again.stdout
    fails(
        invoke("centre", "add", "MEL", "--name", "M", "--channel", "smart-centre", db=floor_db, user="crtl1"),
        3,
        "crtl1",
    )
    fails(invoke("staff", "admin", "ghost", db=floor_db, user="tl1"), 2, "ghost")
    got = [(e["kind"], e["actor"], e["detail"]["logon"]) for e in events(floor_db, "admin-granted", "admin-revoked")]
    assert got == [("admin-granted", "tl9", "crtl1"), ("admin-revoked", "tl1", "crtl1")]  # the no-op wrote nothing
    listed = {s["logon"]: s["admin"] for s in ok_json(invoke("staff", "list", "--json", db=floor_db))}
    assert listed["tl1"] and listed["tl9"] and not listed["crtl1"] and not listed["so1"]
    assert "ADMIN" in invoke("staff", "list", db=floor_db).stdout


def test_r6_r7_admin_flag_is_a_team_leaders(floor_db: str) -> None:
    """R6's table gives setting up the floor to the TL column only, with the admin flag."""
    fails(
        invoke("staff", "add", "sp9", "--name", "Sam", "--role", "SP", "--site", "SYD", "--admin", db=floor_db),
        2, "Team Leaders",
    )  # fmt: skip
    fails(invoke("staff", "admin", "sp1", db=floor_db, user="tl1"), 2, "Team Leaders")
    assert not {s["logon"]: s["admin"] for s in ok_json(invoke("staff", "list", "--json", db=floor_db))}["sp1"]
    assert not events(floor_db, "admin-granted") and "sp9" not in invoke("staff", "list", db=floor_db).stdout


def test_r7_staff_add_login_on_sqlite_says_there_are_no_logins(floor_db: str) -> None:
    fails(
        invoke("staff", "add", "so9", "--name", "S", "--role", "SO", "--site", "SYD", "--login", db=floor_db),
        2,
        "--login",
        "SQLite",
    )
    assert "so9" not in {s["logon"] for s in ok_json(invoke("staff", "list", "--json", db=floor_db))}


def test_r7_policy_login_map(policy: Policy) -> None:
    mapped = Policy(merge(policy.raw, {"identity": {"logins": {"jsmith": "sp1"}}})).identity
    assert mapped.logon_of("jsmith") == "sp1" and mapped.login_of("sp1") == "jsmith"
    assert mapped.logon_of("tps1") == "tps1" and mapped.login_of("tps1") == "tps1"  # same name by default
    assert mapped.logon_of("sp1") is None  # sp1's logon is jsmith's alone
    with pytest.raises(PolicyError, match=r"identity.logins.*'a' and 'b' both map to logon 'sp1'"):
        Policy(merge(policy.raw, {"identity": {"logins": {"a": "sp1", "b": "sp1"}}}))
    with pytest.raises(PolicyError, match=r"identity.logins.x"):
        Policy(merge(policy.raw, {"identity": {"logins": {"x": "not a logon"}}}))


# ---------------------------------------------------------------- demo --reset (R7)
@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    db = str(tmp_path / "demo.db")
    ok_json(run("demo", "--size", "30", "--json", db=db))
    return f"sqlite:///{db}"


def test_r7_demo_reset_refuses_what_the_demo_did_not_create_unless_forced(demo_db: str) -> None:
    db = demo_db.removeprefix("sqlite:///")
    ok_json(invoke("escalation", "raise", "--category", "death", "--crn", "123456789A", "--summary", "a person's",
                   "--json", db=db, user="tps1"))  # fmt: skip
    notes, evs = count(demo_db, "note"), count(demo_db, "event")
    err = fails(run("demo", "--reset", db=db), 2, "did not create", "1 escalation", "1 history event", "--force")
    assert "since the demo was loaded" in err
    assert (count(demo_db, "note"), count(demo_db, "event")) == (notes, evs)  # nothing deleted
    fails(invoke("demo", "--force", db=db), 2, "--force", "--reset")
    ok_json(invoke("demo", "--size", "10", "--reset", "--force", "--json", db=db))
    assert count(demo_db, "escalation") == 10
    reset = events(demo_db, "demo-reset", "demo-loaded")
    assert [e["kind"] for e in reset] == ["demo-reset", "demo-loaded"]  # the old history went, its own stays
    detail = reset[0]["detail"]
    assert detail["forced"] is True and detail["by"].startswith("the floor's owner")
    assert detail["deleted"]["note"] == notes and detail["deleted"]["event"] == evs
    assert detail["deleted"]["escalation"] == 31
    assert reset[0]["actor_id"] is None and reset[0]["login"]


def test_r7_demo_reset_of_the_demo_alone_needs_no_force_and_an_admin_may(demo_db: str) -> None:
    db = demo_db.removeprefix("sqlite:///")
    ok_json(run("demo", "--size", "5", "--reset", "--json", db=db))  # no terminal: not asked
    fails(invoke("demo", "--reset", db=db, user="sp1"), 3, "admin flag")
    ok_json(invoke("demo", "--size", "5", "--reset", "--json", db=db, user="tl1"))  # the demo's TLs are its admins
    by = [e["detail"]["by"] for e in events(demo_db, "demo-reset")]
    assert by == ["tl1"] and count(demo_db, "escalation") == 5


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_r7_demo_reset_asks_on_a_terminal(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = demo_db.removeprefix("sqlite:///")
    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    declined = invoke("demo", "--reset", db=db)
    assert declined.returncode == 1 and declined.stderr.strip() == "aborted"
    assert "Delete every row (3 Centres, 8 sites" in declined.stdout and count(demo_db, "escalation") == 30
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert invoke("demo", "--size", "4", "--reset", db=db).returncode == 0
    assert count(demo_db, "escalation") == 4
    monkeypatch.setattr(sys, "stdin", Terminal(""))  # nothing to answer with: --yes must not ask
    ok_json(invoke("demo", "--size", "3", "--reset", "--yes", "--json", db=db))
    assert count(demo_db, "escalation") == 3
