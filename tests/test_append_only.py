"""D3 in the database: notes and events refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL) from any connection, not just from tpsdesk; a sent message is history too.
Every history event records the login that acted (R7)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tpsdesk import appendonly, demo
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk

STATEMENTS = [
    "UPDATE note SET text = 'rewritten'",
    "DELETE FROM note",
    "UPDATE event SET kind = 'rewritten'",
    "DELETE FROM event",
    "UPDATE outbox SET body = 'rewritten' WHERE sent_at IS NOT NULL",
    "DELETE FROM outbox WHERE sent_at IS NOT NULL",
]


def _history(desk: Desk, floor: Any) -> int:
    v = escalations.raise_escalation(desk, floor.tps, category="death", crn="123456789A", summary="partner died")
    escalations.claim(desk, floor.sp, v.id, note="looked at the record")
    with desk.store.write() as session:
        session.connection().execute(
            text(
                "INSERT INTO outbox (created_at, kind, recipient, subject, body, sent_at) "
                "VALUES (:at, 'confirmation', 'so1', 'Your TPS contact', 'sent body', :at)"
            ),
            {"at": datetime(2026, 9, 25, tzinfo=UTC)},
        )
    return v.id


def _snapshot(conn: Any) -> tuple[Any, ...]:
    return tuple(
        tuple(tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id")).all())
        for t in ("note", "event", "outbox")
    )


@pytest.mark.parametrize("statement", STATEMENTS)
def test_d3_sqlite_raw_sql_cannot_rewrite_history(desk: Desk, floor: Any, statement: str) -> None:
    _history(desk, floor)
    path = desk.store.engine.url.database
    assert path
    desk.store.dispose()
    raw = sqlite3.connect(path)  # plain SQL, as anyone holding the file would
    before = raw.execute("SELECT count(*) FROM note").fetchone(), raw.execute("SELECT count(*) FROM event").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match=r"append-only|history"):
        raw.execute(statement)
    raw.rollback()
    after = raw.execute("SELECT count(*) FROM note").fetchone(), raw.execute("SELECT count(*) FROM event").fetchone()
    assert after == before and before[0][0] >= 1 and before[1][0] >= 2
    raw.close()


def test_d3_unsent_message_may_still_be_marked_sent(desk: Desk, floor: Any) -> None:
    with desk.store.write() as session:
        conn = session.connection()
        conn.execute(
            text(
                "INSERT INTO outbox (created_at, kind, recipient, subject, body) "
                "VALUES (:at, 'confirmation', 'so1', 'Subject', 'queued body')"
            ),
            {"at": datetime(2026, 9, 25, tzinfo=UTC)},
        )
        conn.execute(
            text("UPDATE outbox SET sent_at = :at WHERE sent_at IS NULL"), {"at": datetime(2026, 9, 25, 1, tzinfo=UTC)}
        )
    with desk.store.write() as session, pytest.raises(DBAPIError, match="history"):
        session.connection().execute(text("UPDATE outbox SET sent_at = NULL"))


def test_r7_every_event_records_the_login_that_acted(desk: Desk, floor: Any) -> None:
    _history(desk, floor)
    with desk.store.read() as session:
        logins = set(session.connection().execute(text("SELECT login FROM event")).scalars())
    assert logins == {desk.store.login} and desk.store.login


def test_d3_demo_reset_empties_history_and_puts_the_guard_back(desk: Desk) -> None:
    demo.generate(desk, size=20, seed=1)
    with desk.store.read() as session:
        guard = appendonly.installed(session.connection())
    demo.generate(desk, size=5, seed=2, reset=True)
    with desk.store.read() as session:
        conn = session.connection()
        assert appendonly.installed(conn) == guard and len(guard) == 6
        assert conn.execute(text("SELECT count(*) FROM escalation")).scalar_one() == 5


# ---------------------------------------------------------------- PostgreSQL
@pytest.mark.postgres
@pytest.mark.parametrize("statement", [*STATEMENTS, "TRUNCATE note CASCADE", "TRUNCATE event"])
def test_d3_pg_raw_sql_cannot_rewrite_history(pg_desk: Desk, pg_floor: Any, statement: str) -> None:
    _history(pg_desk, pg_floor)
    with pg_desk.store.engine.connect() as conn:
        before = _snapshot(conn)
        with pytest.raises(DBAPIError, match=r"append-only|history"):
            conn.execute(text(statement))
        conn.rollback()
        assert _snapshot(conn) == before


@pytest.mark.postgres
def test_d3_pg_demo_reset_puts_the_guard_back(pg_desk: Desk) -> None:
    demo.generate(pg_desk, size=10, seed=1)
    with pg_desk.store.read() as session:
        guard = appendonly.installed(session.connection())
    demo.generate(pg_desk, size=3, seed=2, reset=True)
    with pg_desk.store.read() as session:
        assert appendonly.installed(session.connection()) == guard and len(guard) >= 5
