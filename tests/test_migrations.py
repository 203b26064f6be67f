"""Schema changes go through Alembic (DESIGN.md): the migrated schema is the models' schema."""

from __future__ import annotations

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
