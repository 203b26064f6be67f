"""Environment faults are one line naming the file or server and what to do, exit 1 (2 for
input), never "unexpected failure (X)": a damaged database, a lock held past the busy
timeout, a full disk, an unreachable or refusing PostgreSQL. ``db upgrade`` checks a SQLite
file first (``PRAGMA quick_check``) and migrates under a lock, so concurrent upgrades wait
and find the work done; no other command migrates silently.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import ROOT, fails, invoke, ok_json, run
from conftest import throwaway_pg_database
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from tpsdesk import store as store_module
from tpsdesk.errors import ConfigError, Conflict, EnvironmentFault
from tpsdesk.faults import translate
from tpsdesk.services.desk import Desk
from tpsdesk.store import Store


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "tpsdesk" / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


@pytest.fixture
def floor_db(desk: Desk, db_url: str) -> str:
    from conftest import build_floor

    build_floor(desk)
    desk.store.dispose()  # checkpointed: the file alone holds the floor
    return db_url.removeprefix("sqlite:///")


def _digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _damage_first_page(src: str, dst: Path) -> Path:
    data = bytearray(Path(src).read_bytes())
    data[100:3000] = b"\xff" * 2900  # the schema table's page, after the 100-byte header
    dst.write_bytes(bytes(data))
    return dst


# ---------------------------------------------------------------- damaged files
def test_a_damaged_database_is_one_line_for_every_command(floor_db: str, tmp_path: Path) -> None:
    bad = _damage_first_page(floor_db, tmp_path / "damaged.db")
    before = _digest(bad)
    fails(run("overdue", db=str(bad), user="sp1"), 1, str(bad), "damaged", "backup")
    for args in (
        ["escalation", "list"],
        ["staff", "list"],
        ["summary", "--site", "SYD"],
        ["centre", "add", "ZZZ", "--name", "Z", "--channel", "smart-centre"],
        ["db", "status"],
        ["db", "upgrade"],
    ):
        err = fails(invoke(*args, db=str(bad), user="tl1"), 1, str(bad), "damaged")
        assert "unexpected" not in err
    assert _digest(bad) == before


def test_a_file_with_a_sqlite_header_but_no_database_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "header-only.db"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4080))
    for args in (["overdue"], ["db", "upgrade"]):
        fails(invoke(*args, db=str(bad), user="sp1"), 1, str(bad), "not a SQLite database")


def test_db_upgrade_runs_quick_check_first_and_refuses_a_damaged_file(floor_db: str, tmp_path: Path) -> None:
    bad = tmp_path / "unused-page.db"
    data = bytearray(Path(floor_db).read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0]
    pages = struct.unpack(">I", data[28:32])[0]
    data[28:32] = struct.pack(">I", pages + 1)  # the header counts a page that nothing uses
    bad.write_bytes(bytes(data) + b"\x00" * page_size)
    # Reads still work (the damage is beside the tables), so only the check can tell.
    assert sqlite3.connect(bad).execute("SELECT version_num FROM alembic_version").fetchone() == (_head(),)
    before = _digest(bad)
    fails(run("db", "upgrade", db=str(bad)), 1, str(bad), "quick_check", "never used", "backup")
    assert _digest(bad) == before


def test_db_upgrade_refuses_a_database_of_something_else(tmp_path: Path) -> None:
    other = tmp_path / "other-app.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    fails(invoke("db", "upgrade", db=str(other)), 2, str(other), "not a tpsdesk database")
    fails(invoke("demo", "--size", "1", db=str(other)), 2, "not a tpsdesk database")
    tables = [r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["invoices"]


# ---------------------------------------------------------------- locks
def test_a_lock_held_past_the_busy_timeout_is_one_line(floor_db: str) -> None:
    holder = sqlite3.connect(floor_db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process's long write
        quick = {store_module.BUSY_TIMEOUT_ENV: "50"}
        for args in (
            ["centre", "add", "ZZZ", "--name", "Z", "--channel", "smart-centre"],
            ["escalation", "raise", "--category", "review", "--crn", "123456789A", "--summary", "x"],
            ["db", "upgrade"],
        ):
            err = fails(invoke(*args, db=floor_db, user="tps1", env=quick), 1, floor_db, "locked", "50 ms")
            assert store_module.BUSY_TIMEOUT_ENV in err
    finally:
        holder.rollback()
        holder.close()
    assert invoke("centre", "add", "ZZZ", "--name", "Z", "--channel", "smart-centre", db=floor_db).returncode == 0


def test_the_busy_timeout_setting_is_checked(floor_db: str) -> None:
    fails(invoke("overdue", db=floor_db, user="sp1", env={store_module.BUSY_TIMEOUT_ENV: "soon"}), 2, "BUSY_TIMEOUT")


def test_a_full_disk_under_the_database_is_one_line(floor_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real = store_module._sqlite_pragmas

    def no_room(engine: object) -> None:
        real(engine)  # type: ignore[arg-type]

        @event.listens_for(engine, "connect")
        def _cap(dbapi_conn: sqlite3.Connection, _record: object) -> None:
            pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
            dbapi_conn.execute(f"PRAGMA max_page_count={pages}")  # the disk is full: no page more

    with sqlite3.connect(floor_db) as conn:
        conn.execute("VACUUM")  # no free pages left to reuse: the next row needs new ones
    monkeypatch.setattr(store_module, "_sqlite_pragmas", no_room)
    args = ["escalation", "raise", "--category", "review", "--crn", "123456789A", "--summary", "x" * 5_000]
    err = fails(invoke(*args, db=floor_db, user="tps1"), 1, floor_db, "full", "free some space")
    assert "nothing was saved" in err


# ---------------------------------------------------------------- PostgreSQL
def test_an_unreachable_postgresql_is_one_line() -> None:
    url = "postgresql://desk@127.0.0.1:1/tpsdesk"  # port 1: nothing listens there
    err = fails(run("overdue", db=url, user="sp1"), 1, "cannot reach the PostgreSQL server", "127.0.0.1:1")
    assert "unexpected" not in err


@pytest.fixture
def pg_empty() -> Iterator[str]:
    """A throw-away, empty PostgreSQL database."""
    with throwaway_pg_database() as url:
        yield url


@pytest.mark.postgres
def test_a_refused_postgresql_login_and_a_missing_database_are_one_line(pg_empty: str) -> None:
    nobody = make_url(pg_empty).set(username=f"nobody_{secrets.token_hex(3)}").render_as_string(hide_password=False)
    fails(invoke("overdue", db=nobody, user="sp1"), 1, "PostgreSQL refused the login", "does not exist")
    missing = make_url(pg_empty).set(database=f"gone_{secrets.token_hex(3)}").render_as_string(hide_password=False)
    fails(invoke("overdue", db=missing, user="sp1"), 1, "does not exist", "TPSDESK_DB")


def test_translate_maps_driver_errors_by_their_own_codes() -> None:
    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(Exception) as caught:
        conn.exec_driver_sql("SELECT * FROM nowhere")
    assert isinstance(translate(caught.value), ConfigError)  # no schema: run db upgrade
    import psycopg

    serialization = psycopg.errors.SerializationFailure("could not serialize access")
    assert isinstance(translate(serialization), Conflict)
    disk = psycopg.errors.DiskFull("could not extend file")
    assert isinstance(translate(disk), EnvironmentFault) and "disk is full" in str(translate(disk))
    assert translate(ValueError("a bug")) is None  # unknown: unexpected, logged


# ---------------------------------------------------------------- migrations
def _upgrade_at_once(db: str, n: int = 4) -> list[subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env["PYTHONPATH"] = str(ROOT)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tpsdesk", "--db", db, "db", "upgrade", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(n)
    ]
    done = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def test_four_db_upgrades_at_once_on_an_empty_sqlite_file_all_succeed(tmp_path: Path) -> None:
    for db in (tmp_path / "empty.db", tmp_path / "missing" / "desk.db"):
        if db.name == "empty.db":
            db.touch()
        results = [ok_json(p) for p in _upgrade_at_once(str(db))]
        assert [r["revision"] for r in results] == [_head()] * 4
        assert sum(r["changed"] for r in results) == 1  # one did the work; three waited and found it done
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]


@pytest.mark.postgres
def test_four_db_upgrades_at_once_on_an_empty_postgresql_database_all_succeed(pg_empty: str) -> None:
    results = [ok_json(p) for p in _upgrade_at_once(pg_empty)]
    assert [r["revision"] for r in results] == [_head()] * 4 and sum(r["changed"] for r in results) == 1
    store = Store(pg_empty)
    try:
        assert store.current_revision() == _head()
    finally:
        store.dispose()


def test_no_write_command_migrates_an_older_schema(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    old = Store(str(db))
    old.upgrade("0003")
    old.dispose()
    for args in (
        ["centre", "add", "ZZZ", "--name", "Z", "--channel", "smart-centre"],
        ["staff", "add", "so9", "--name", "S", "--role", "SO", "--site", "SYD"],
        ["escalation", "raise", "--category", "review", "--crn", "123456789A", "--summary", "x"],
        ["escalation", "sweep"],
        ["demo", "--size", "1"],
        ["overdue"],
    ):
        fails(invoke(*args, db=str(db), user="tps1"), 2, "run 'tpsdesk db upgrade'")
    fails(run("tui", db=str(db), user="sp1"), 2, "run 'tpsdesk db upgrade'")  # the app refuses before it starts
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0003",)]
    assert ok_json(invoke("db", "upgrade", "--json", db=str(db)))["revision"] == _head()


def test_write_commands_on_an_empty_database_ask_for_db_upgrade_demo_creates_it(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    fails(invoke("staff", "add", "so9", "--name", "S", "--role", "SO", "--site", "SYD", db=str(db)), 2, "db upgrade")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    assert invoke("demo", "--size", "1", db=str(db)).returncode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]
