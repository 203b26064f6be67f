"""Schema changes go through Alembic (DESIGN.md): the migrated schema is the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import tpsdesk.models  # noqa: F401
from tpsdesk.store import Store
from tpsdesk.textsearch import include_name


def test_migrations_match_models(tmp_path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.upgrade()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"
    assert not store.needs_upgrade()


def test_downgrade_then_upgrade_round_trips(tmp_path) -> None:
    from alembic import command

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.upgrade()
    cfg = store.alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert store.current_revision() == "0001"
    store.upgrade()
    assert store.current_revision() == store.head_revision()


def test_head_constant_is_alembics_head(tmp_path) -> None:
    """``migrations.HEAD`` (read by every command instead of loading alembic) is the newest migration."""
    from alembic.script import ScriptDirectory

    from tpsdesk.migrations import HEAD

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    assert ScriptDirectory.from_config(store.alembic_config()).get_current_head() == HEAD
    assert store.current_revision() is None
    store.upgrade()
    assert store.current_revision() == HEAD and not store.needs_upgrade()


def test_an_upgrade_of_a_floor_gives_the_planner_statistics_for_the_new_indexes(tmp_path) -> None:
    """After migrating a floor that holds data, every index has planner statistics (ANALYZE), so
    a new index is chosen on its merits instead of by guesswork."""
    import sqlite3

    from alembic import command

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    cfg = store.alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    store.upgrade()
    with sqlite3.connect(tmp_path / "m.db") as raw:
        analysed = {row[0] for row in raw.execute("SELECT tbl FROM sqlite_stat1")}  # written by ANALYZE only
    assert "alembic_version" in analysed


def test_0011_fills_in_the_unsent_outbox_and_keeps_the_sent_message_and_its_triggers(desk, floor) -> None:
    check_0011_backfill(desk, floor)


@pytest.mark.postgres
def test_0011_fills_in_the_unsent_outbox_on_postgres(pg_desk, pg_floor) -> None:
    check_0011_backfill(pg_desk, pg_floor)


def check_0011_backfill(desk, floor) -> None:
    """I7, E7, D3: an outbox from before 0011 gets, for each unsent message, its Centre, its
    staff recipient, its Message-ID and a due time; a sent message is history and stays as
    it was; SQLite's batch steps keep the outbox's D3 triggers (both ways)."""
    from alembic import command
    from sqlalchemy import text
    from sqlmodel import select

    from tests.test_intake import ask
    from tpsdesk import appendonly
    from tpsdesk.models import Outbox
    from tpsdesk.services import intake
    from tpsdesk.services.feedback import raise_concern

    intake.record_outcome(desk, floor.tps, ask(desk, floor.so).id, ["resolved"])  # I7, to so1: sent below
    intake.record_outcome(desk, floor.tps, ask(desk, floor.so).id, ["resolved"])  # I7, to so1
    raise_concern(desk, floor.cr_so, about=floor.cr_tps, text="wrong rate", raised_with=floor.cr_sso)  # E7
    with desk.store.write() as s:
        s.exec(text("UPDATE outbox SET sent_at = created_at WHERE id = 1"))
    with desk.store.read() as s:
        before = {r.id: r for r in s.exec(select(Outbox)).all()}
    assert sorted(before) == [1, 2, 3]
    with desk.store.engine.connect() as conn:
        guards = appendonly.installed(conn)
    assert guards & {"outbox_sent_no_update", "outbox_sent_is_history"}  # SQLite, PostgreSQL
    cfg = desk.store.alembic_config()
    with desk.store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
        assert appendonly.installed(conn) == guards
        conn.execute(text("INSERT INTO outbox (created_at, kind, recipient, subject, body) "
                          "SELECT created_at, kind, recipient, subject, body FROM outbox WHERE id = 2"))  # fmt: skip
    desk.store.upgrade()
    with desk.store.read() as s:
        after = {r.id: r for r in s.exec(select(Outbox)).all()}
    with desk.store.engine.connect() as conn:
        assert appendonly.installed(conn) == guards
    sent, i7, e7, old = after[1], after[2], after[3], after[4]
    assert (sent.sent_at, sent.message_id, sent.next_attempt_at) == (before[1].sent_at, None, None)
    for row in (i7, e7):
        was = before[row.id]
        assert (row.centre_id, row.recipient_id, row.message_id) == (was.centre_id, was.recipient_id, was.message_id)
        assert row.next_attempt_at == row.created_at and row.attempts == 0
    assert i7.message_id == "<outbox-2.pcc@tpsdesk>" and e7.message_id == "<outbox-3.crc@tpsdesk>"
    assert (old.recipient_id, old.centre_id, old.message_id) == (i7.recipient_id, i7.centre_id, "<outbox-4.pcc@tpsdesk>")
