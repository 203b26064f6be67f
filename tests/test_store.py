"""Storage proofs (issue 2 item 6, DESIGN "Storage and concurrency"): the SQLite
file is private, WAL + synchronous FULL + busy timeout, write transactions take
the lock up front (BEGIN IMMEDIATE), claims are atomic (E11), stale writes are a
Conflict, and a missing driver or schema is one clear message."""

from __future__ import annotations

import sqlite3
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, invoke
from sqlalchemy import event, text
from sqlmodel import select

from tpsdesk.errors import ConfigError, Conflict
from tpsdesk.models import Centre, Escalation
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.services.uow import flush_or_conflict
from tpsdesk.store import BUSY_TIMEOUT_MS, Store


def _threads(n: int, work: Any) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; return each result or exception."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_sqlite_file_is_created_private_0600(tmp_path: Path) -> None:
    path = tmp_path / "new" / "desk.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # customer identifiers live here
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_sqlite_pragmas_wal_full_busy_timeout(desk: Desk) -> None:
    with desk.store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_write_transactions_begin_immediate_reads_do_not(desk: Desk) -> None:
    seen: list[str] = []

    @event.listens_for(desk.store.engine, "before_cursor_execute")
    def _log(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with desk.store.read() as session:
        session.execute(text("SELECT 1"))
    with desk.store.write() as session:
        session.execute(text("SELECT 1"))
    assert seen == ["BEGIN", "BEGIN IMMEDIATE"]


def test_deferred_read_then_write_fails_under_contention(db_url: str) -> None:
    """Why BEGIN IMMEDIATE: two plain (deferred) read-then-write transactions; the later writer fails."""
    path = db_url.removeprefix("sqlite:///")
    a, b = (sqlite3.connect(path, isolation_level=None, timeout=2) for _ in range(2))
    for c in (a, b):
        c.execute("BEGIN")
        c.execute("SELECT count(*) FROM centre").fetchone()
    a.execute("INSERT INTO centre (code, name, channel, sp_mailbox, version) VALUES ('A', 'A', 'smart-centre', '', 1)")
    a.execute("COMMIT")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        b.execute(
            "INSERT INTO centre (code, name, channel, sp_mailbox, version) VALUES ('B', 'B', 'smart-centre', '', 1)"
        )
    a.close()
    b.close()


def test_two_read_then_write_transactions_through_store_write_both_succeed(desk: Desk, floor) -> None:
    """BEGIN IMMEDIATE: the second writer waits for the first instead of failing; no update is lost."""
    with desk.store.read() as session:
        centre_id = session.exec(select(Centre).where(Centre.code == "PCC")).one().id

    def bump(i: int) -> str:
        with desk.store.write() as session:
            centre = session.get(Centre, centre_id)
            assert centre is not None
            centre.name = f"{centre.name}+{i}"  # read, then write the same row
        return "ok"

    assert _threads(2, bump) == ["ok", "ok"]
    with desk.store.read() as session:
        centre = session.get(Centre, centre_id)
        assert centre is not None
        assert centre.name.count("+") == 2 and centre.version == 3


def test_e11_concurrent_claims_exactly_one_winner_others_told_who(desk: Desk, floor) -> None:
    v = escalations.raise_escalation(desk, floor.tps, category="death", crn="123456789A", summary="partner died")
    claimants = [floor.sp, floor.sso, floor.pool, floor.per_sp]
    results = _threads(len(claimants), lambda i: escalations.claim(desk, claimants[i], v.id))
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == len(claimants) - 1
    winner = wins[0].owner
    assert all(isinstance(e, Conflict) and f"({winner})" in str(e) for e in losses), losses
    shown = escalations.show(desk, floor.sp, v.id)
    assert shown.escalation.owner == winner and shown.escalation.version == v.version + 1
    assert [e.kind for e in shown.events].count("claimed") == 1


def test_e11_stale_expected_version_is_a_conflict_naming_who(desk: Desk, floor) -> None:
    v = escalations.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    escalations.claim(desk, floor.sp, v.id)
    with pytest.raises(Conflict, match=r"Sue Senior \(sp1\)"):
        escalations.release(desk, floor.sp, v.id, expected_version=v.version)
    assert escalations.show(desk, floor.sp, v.id).escalation.owner == floor.sp  # nothing changed


def test_e11_stale_row_written_later_is_a_conflict(desk: Desk, floor) -> None:
    """A row read earlier (a screen) and written after someone else changed it: the version counter refuses."""
    v = escalations.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
    with desk.store.read() as session:
        stale = session.get(Escalation, v.id)
    assert stale is not None
    escalations.claim(desk, floor.sp, v.id)  # someone else writes meanwhile
    with pytest.raises(Conflict, match=r"changed by Sue Senior \(sp1\)"), desk.store.write() as session:
        mine = session.merge(stale, load=False)  # keeps the old version
        mine.summary = "my edit"
        flush_or_conflict(session, mine)
    assert escalations.show(desk, floor.sp, v.id).escalation.summary == ""


def test_postgresql_url_without_psycopg_is_one_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    with pytest.raises(ConfigError, match=r"psycopg.*tpsdesk\[postgres\]"):
        Store("postgresql://desk@127.0.0.1/tpsdesk")
    fails(invoke("--db", "postgresql://desk@127.0.0.1/tpsdesk", "--user", "sp1", "overdue"), 2, "psycopg")


def test_require_current_on_an_empty_database_says_run_db_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    store = Store(str(path))
    with pytest.raises(ConfigError, match="tpsdesk db upgrade"):
        store.require_current()
    store.dispose()
    # A read-only command says so too, and creates no tables.
    fails(invoke("--user", "sp1", "overdue", db=str(path)), 2, "tpsdesk db upgrade")
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone() == (0,)
