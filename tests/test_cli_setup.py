"""Setting up a real floor from the command line: ``db``, ``centre``, ``site``, ``staff`` (issue 2 items 6, 8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cli_helpers import fails, invoke, ok_json, run


def test_c2_r6_set_up_a_floor_on_a_brand_new_file(tmp_path: Path) -> None:
    db = str(tmp_path / "floor.db")
    # No write command migrates silently: `centre add` on a new file asks for `db upgrade`, which creates the schema.
    fails(invoke("centre", "add", "pcc", "--name", "P", "--channel", "smart-centre", db=db), 2, "tpsdesk db upgrade")
    assert invoke("db", "upgrade", db=db).returncode == 0
    centre = ok_json(run("centre", "add", "pcc", "--name", "Parramatta", "--channel", "smart-centre",
                         "--mailbox", "sp.pcc@example.gov.au", "--json", db=db))  # fmt: skip
    assert centre == {
        "code": "PCC",
        "name": "Parramatta",
        "channel": "smart-centre",
        "sp_mailbox": "sp.pcc@example.gov.au",
    }
    site = ok_json(invoke("site", "add", "fre", "--name", "Fremantle", "--centre", "PCC", "--tz", "Australia/Perth",
                          "--state", "wa", "--cob", "16:30", "--json", db=db))  # fmt: skip
    assert site == {"code": "FRE", "name": "Fremantle", "centre": "PCC", "zone": "Australia/Perth", "state": "WA",
                    "open_time": "08:00", "cob_time": "16:30", "extra_holidays": [], "removed_holidays": []}  # fmt: skip
    assert invoke("site", "add", "syd", "--name", "Parramatta", "--centre", "pcc", "--tz", "Australia/Sydney",
                  "--state", "NSW", db=db).returncode == 0  # fmt: skip
    assert invoke("staff", "add", "tl1", "--name", "Tina Lead", "--role", "tl", "--site", "SYD", db=db).returncode == 0
    added = ok_json(invoke("--site", "FRE", "staff", "add", "tps2", "--name", "Pat Pool", "--role", "TPS",
                           "--team-leader", "tl1", "--sp-pool", "--email", "pat@example.gov.au", "--json", db=db))  # fmt: skip
    assert added["site"] == "FRE" and added["sp_pool"] is True and added["team_leader"] == "tl1"

    staff = ok_json(run("staff", "list", "--json", db=db))
    assert [s["logon"] for s in staff] == ["tl1", "tps2"]
    assert set(staff[0]) >= {"logon", "name", "role", "centre", "site", "team_leader", "sp_pool", "active"}
    assert [
        s["logon"] for s in ok_json(invoke("staff", "list", "--site", "fre", "--role", "tps", "--json", db=db))
    ] == ["tps2"]
    assert [s["code"] for s in ok_json(invoke("site", "list", "--json", db=db))] == ["FRE", "SYD"]
    assert [c["code"] for c in ok_json(invoke("centre", "list", "--json", db=db))] == ["PCC"]
    people = invoke("staff", "list", db=db)
    assert people.returncode == 0 and "LOGON" in people.stdout and "Pat Pool" in people.stdout
    # The floor works: `due` finds a site the policy does not know in the database, with its own COB (C2).
    out = ok_json(invoke("due", "arrears", "--at", "2026-09-23T16:45", "--site", "fre", "--json", db=db))
    assert out["due"] == "2026-09-24T16:30:00+08:00" and out["after_hours"] is True


def test_setup_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    db = str(tmp_path / "floor.db")
    assert invoke("db", "upgrade", db=db).returncode == 0
    assert invoke("centre", "add", "PCC", "--name", "P", "--channel", "smart-centre", db=db).returncode == 0
    fails(run("centre", "add", "PCC", "--name", "again", "--channel", "smart-centre", db=db), 2, "code", "PCC")
    fails(invoke("centre", "add", "CRC", "--name", "C", "--channel", "call-centre", db=db), 2, "channel")
    fails(
        invoke("centre", "add", "CRC", "--name", "C", "--channel", "comp-recovery", "--mailbox", "x", db=db),
        2,
        "mailbox",
    )
    site = ["site", "add", "SYD", "--name", "S"]
    fails(invoke(*site, "--centre", "NOPE", "--tz", "Australia/Sydney", "--state", "NSW", db=db), 2, "centre", "NOPE")
    fails(invoke(*site, "--centre", "PCC", "--tz", "Sydney", "--state", "NSW", db=db), 2, "zone")
    fails(invoke(*site, "--centre", "PCC", "--tz", "Australia/Sydney", "--state", "NZ", db=db), 2, "state")
    fails(
        invoke(*site, "--centre", "PCC", "--tz", "Australia/Sydney", "--state", "NSW", "--cob", "5pm", db=db), 2, "cob"
    )
    assert invoke(*site, "--centre", "PCC", "--tz", "Australia/Sydney", "--state", "NSW", db=db).returncode == 0
    fails(invoke("staff", "add", "so1", "--name", "S", "--role", "SO", "--site", "ZZZ", db=db), 2, "site", "ZZZ")
    fails(invoke("staff", "add", "so1", "--name", "S", "--role", "boss", "--site", "SYD", db=db), 2, "role")
    fails(invoke("staff", "add", "so1", "--name", "S", "--role", "SO", db=db), 2, "--site")
    fails(
        invoke("staff", "add", "so1", "--name", "S", "--role", "SO", "--site", "SYD", "--team-leader", "ghost", db=db),
        2,
        "team_leader",
    )
    fails(
        invoke("staff", "add", "so1", "--name", "S", "--role", "SO", "--site", "SYD", "--email", "nope", db=db),
        2,
        "--email",
    )
    fails(invoke("staff", "add", "bad logon!", "--name", "S", "--role", "SO", "--site", "SYD", db=db), 2, "logon")
    fails(invoke("staff", "list", "--role", "boss", db=db), 2, "--role")
    fails(invoke("staff", "list", "--site", "ZZZ", db=db), 2, "--site")
    # Nothing half-written: no staff were added by the refusals.
    assert ok_json(invoke("staff", "list", "--json", db=db)) == []
    usage = run("site", "add", "SYD", db=db)  # required options missing: click's usage error
    assert usage.returncode == 2 and "--name" in usage.stderr and "Traceback" not in usage.stderr


def test_db_upgrade_prints_the_revision_and_status_reports_it(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    status = run("db", "status", "--json", db=db)
    assert status.returncode == 2 and "db upgrade" in status.stderr
    assert ok_json_stdout(status)["current"] is False
    upgraded = run("db", "upgrade", db=db)
    from tpsdesk.store import Store

    head = Store(f"sqlite:///{tmp_path / 'other.db'}").head_revision()
    assert upgraded.returncode == 0 and f"revision {head}" in upgraded.stdout
    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master where type='table'")}
    assert {"escalation", "staff", "site", "centre", "alembic_version"} <= tables
    again = ok_json(invoke("db", "upgrade", "--json", db=db))
    assert again["changed"] is False and again["revision"] == again["from"]
    now = ok_json(invoke("db", "status", "--json", db=db))
    assert now["current"] is True and now["revision"] == now["head"]


def ok_json_stdout(proc) -> dict:
    import json

    return json.loads(proc.stdout)
