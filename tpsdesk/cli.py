"""The ``tpsdesk`` command. ``tpsdesk`` alone starts the TUI (the one lazy
import of ``screens`` in the core); every other sub-command lives in
``tpsdesk/commands/`` and is imported only when called, so ``tpsdesk due``
loads no database library.

Exit codes: 0 done; 1 the environment (a read-only folder, a full disk, a damaged or
locked database, an unreachable server: one line saying what to do) or an unexpected
failure (logged, short message); 2 bad input or unknown id/user/site; 3 refused by the
permission matrix; 4 conflict.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import click

from tpsdesk import __version__
from tpsdesk.bounds import check_year
from tpsdesk.errors import TpsError, ValidationError
from tpsdesk.faults import log_unexpected

# name -> "module:attribute"; imported on first use.
COMMANDS: dict[str, str] = {
    "due": "tpsdesk.commands.due:due",
    "db": "tpsdesk.commands.db:db",
    "demo": "tpsdesk.commands.demo:demo",
    "overdue": "tpsdesk.commands.escalation:overdue",
    "escalation": "tpsdesk.commands.escalation:escalation",
    "staff": "tpsdesk.commands.setup:staff",
    "site": "tpsdesk.commands.setup:site",
    "centre": "tpsdesk.commands.setup:centre",
    "contact": "tpsdesk.commands.contact:contact",
    "doc": "tpsdesk.commands.doc:doc",
    "feedback": "tpsdesk.commands.feedback:feedback",
    "summary": "tpsdesk.commands.summary:summary",
    "calendar": "tpsdesk.commands.calendar:calendar",
    "outbox": "tpsdesk.commands.outbox:outbox",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:  # registered here (tui)
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            command = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                return None  # not built yet in this version
            raise
        assert isinstance(command, click.Command), target  # COMMANDS names click commands only
        return command


class Context:
    """What global options give every sub-command; the Desk is made on first use."""

    def __init__(self, db: str | None, user: str | None, site: str | None) -> None:
        self.db = db
        self._user = user
        self.site = site or os.environ.get("TPSDESK_SITE")
        self._desk: Any = None  # schema checked
        self._open: Any = None  # schema not yet checked
        self._identity: Any = None

    def identity(self) -> Any:
        """Who is acting (R7), decided once by ``services.identity.resolve``."""
        if self._identity is None:
            from tpsdesk.services.identity import resolve

            self._identity = resolve(self._opened(), user=self._user, env_user=os.environ.get("TPSDESK_USER"))
        return self._identity

    @property
    def requested_user(self) -> str | None:
        """``--user`` as given (None: not given); ``TPSDESK_USER`` and the OS user come after it."""
        return self._user

    @property
    def user(self) -> str:
        """The staff logon every command acts as: on PostgreSQL the login's (a differing --user is
        refused); on a SQLite file --user, TPSDESK_USER, else the OS user (R7)."""
        return str(self.identity().staff_logon())

    def fixed_now(self) -> datetime | None:
        """``TPSDESK_NOW`` (an ISO instant with offset) pins the clock.

        A testing and training aid: every command then acts as if it were that
        instant (FakeClock); unset, the wall clock is used.
        """
        raw = os.environ.get("TPSDESK_NOW", "").strip()
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is None or value.tzinfo is None:
            raise ValidationError(
                "TPSDESK_NOW", f"{raw!r} is not an ISO instant with offset, e.g. 2026-09-25T00:00:00+00:00"
            )
        check_year("TPSDESK_NOW", value, shown=raw)
        return value.astimezone(UTC)

    def now(self) -> datetime:
        return self.fixed_now() or datetime.now(UTC)

    def _opened(self) -> Any:
        """The Desk on the database as it is, schema unchecked: who is acting (R7) is asked
        before a command knows whether it may create the schema."""
        if self._open is None:
            from tpsdesk.clock import FakeClock, system_clock
            from tpsdesk.services.desk import Desk
            from tpsdesk.store import Store

            fixed = self.fixed_now()
            self._open = Desk(Store(self.db), clock=FakeClock(fixed) if fixed else system_clock)
        return self._open

    def desk(self, *, create_if_empty: bool = False) -> Any:
        """The Desk, on a database at this version's schema: the one rule of who migrates.

        No command migrates silently. ``tpsdesk db upgrade`` migrates (it opens the store
        itself); ``create_if_empty`` (``demo``, the app's first run) gives a database with no
        tables this version's schema; every other command, and these on an older schema,
        refuses with "run 'tpsdesk db upgrade'" (exit 2).
        """
        if self._desk is None:
            desk = self._opened()
            try:
                desk.store.require_current(create_if_empty=create_if_empty)
            except BaseException:
                self.close()  # refused: nothing of this command stays open
                raise
            self._desk = desk
        return self._desk

    def close(self) -> None:
        """Close the database connections this command opened: a process that runs several
        commands (``main`` called in-process, a script) holds none between them, so it cannot
        run PostgreSQL out of connections."""
        for desk in {id(d): d for d in (self._desk, self._open) if d is not None}.values():
            desk.store.dispose()
        self._desk = self._open = None


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """Print ``data`` as JSON, or ``text`` for people."""
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    elif text is not None:
        click.echo(text)


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Plain aligned columns for people (user text is printed as-is, never as markup)."""
    if not rows:
        return "(none)"
    cells = [headers, *[[" ".join(str(c).split()) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="URL", help="Database: a SQLite path or an SQLAlchemy URL (env TPSDESK_DB).")
@click.option(
    "--user",
    metavar="LOGON",
    help="Act as this staff logon (env TPSDESK_USER; default: OS user). SQLite files only: on PostgreSQL "
    "the database login is who you are (R7).",
)
@click.option("--site", metavar="CODE", help="Site code for deadlines and new items (env TPSDESK_SITE).")
@click.version_option(__version__, prog_name="tpsdesk")
@click.pass_context
def cli(ctx: click.Context, db: str | None, user: str | None, site: str | None) -> None:
    """tpsdesk: the Technical Peer Support desk. Run without a command to open the app."""
    ctx.obj = Context(db, user, site)
    ctx.call_on_close(ctx.obj.close)
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@cli.command()
@click.pass_obj
def tui(obj: Context) -> None:
    """Open the terminal app (the default when no command is given)."""
    import gc

    # What the UI imports and builds before its first screen lives all session: no collection
    # passes over it while it is made (~90 ms of the start). The app turns the collector back on
    # after its first screen's first frame, and moves those objects out of its reach.
    gc.disable()
    try:
        from screens.app import run  # the core's one lazy import of the UI
    except ImportError as exc:
        raise click.ClickException(f"the terminal app is not available in this build: {exc}") from exc
    # Opened before the app starts (never on its UI thread); an empty database gets its schema here
    # for the first run. TPSDESK_NOW pins its clock as for the CLI.
    run(obj.desk(create_if_empty=True), user=obj._user, site=obj.site)


def main(argv: list[str] | None = None) -> None:
    """Entry point: typed errors become one line and an exit code; never a traceback."""
    try:
        cli.main(args=argv, prog_name="tpsdesk", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:  # one line, like every other input error
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        click.echo(f"error: {' '.join(exc.format_message().split())}{where}", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TpsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        from tpsdesk.faults import translate

        fault = translate(exc)  # an environment fault: one line naming the file or server, what to do
        if fault is not None:
            click.echo(f"error: {fault}", err=True)
            sys.exit(fault.exit_code)
        where = log_unexpected(exc)  # the last resort: log it, say it briefly
        click.echo(f"error: unexpected failure ({type(exc).__name__}); details in {where}", err=True)
        sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
