"""``tpsdesk db upgrade|status``: schema migrations (Alembic) of the desk's database.

Only ``db upgrade`` migrates a database that holds data (``demo`` and the app's
first run give an empty one its schema); every other command asks for
``tpsdesk db upgrade``. An upgrade checks a SQLite file first (``PRAGMA
quick_check``) and holds a lock, so concurrent upgrades wait and find the work done.
"""

from __future__ import annotations

from typing import Any

import click

from tpsdesk.cli import Context, emit


def _where(store: Any) -> str:
    """The URL without its password (it may be printed or logged)."""
    from sqlalchemy.engine import make_url

    return make_url(store.url).render_as_string(hide_password=True)


@click.group()
def db() -> None:
    """Create or migrate the database (SQLite file or any SQLAlchemy URL)."""


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def upgrade(obj: Context, as_json: bool) -> None:
    """Migrate the database to this version's schema and print the revision."""
    from tpsdesk.store import Store

    store = Store(obj.db)
    try:  # closed when done: a process running several commands holds no connection between them
        before, after = store.upgrade()  # read under the migration lock: what this process did
        exposed = store.readable_by_others()
        data = {"database": _where(store), "from": before, "revision": after, "changed": before != after}
    finally:
        store.dispose()
    if before == after:
        text = f"database {data['database']} is already at revision {after} (current)"
    else:
        text = f"database {data['database']} migrated from {before or 'empty'} to revision {after}"
    if store.dialect == "postgresql":  # R7: the group roles, re-granted so new tables are covered
        from tpsdesk import pgroles

        data, text = pgroles.after_upgrade(store.engine, data, text)
    emit(data, as_json, text)
    if exposed:  # tpsdesk never chmods a file it did not create (X2, R7): it says so instead
        click.echo(f"warning: {exposed}", err=True)


@db.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """Show the schema revision; exits 2 (saying so) when 'tpsdesk db upgrade' is needed."""
    from tpsdesk.store import Store

    store = Store(obj.db)
    try:
        current, head = store.current_revision(), store.head_revision()
        data = {"database": _where(store), "revision": current, "head": head, "current": current == head}
        state = "current" if current == head else ("empty" if current is None else "needs upgrade")
        emit(
            data,
            as_json,
            f"database {data['database']}: revision {current or '-'}, this tpsdesk needs {head} ({state})",
        )
        store.require_current()  # raises ConfigError (exit 2) with what to run
    finally:
        store.dispose()
