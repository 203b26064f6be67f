"""The change feed: tells a listener, within about a second, that another process
committed a change to the floor's database (issue 8, the live floor).

PostgreSQL: a dedicated autocommit psycopg connection LISTENs on ``tpsdesk_changes``,
where the database's triggers send ``escalation:<id>`` (the row, its notes and its
events) and ``contact:<id>``. SQLite: a dedicated connection polls
``PRAGMA data_version``, which moves when any *other* connection commits; it cannot
say what changed, so it reports everything.

The feed runs on its own daemon thread: ``watch`` returns at once (connecting is the
thread's job, so a slow or absent server never blocks the caller), the listener is
called on that thread, and ``stop`` joins within a fraction of a second. A lost
connection is retried with backoff; after a reconnect the feed reports everything,
since notifications sent meanwhile were lost. Bursts are coalesced: the first change
opens a short window and the listener hears once, with every id seen in it.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from tpsdesk.store import Store

log = logging.getLogger("tpsdesk.changes")
log.addHandler(logging.NullHandler())  # never Python's last-resort stderr under a TUI

CHANNEL = "tpsdesk_changes"  # the NOTIFY channel of the PostgreSQL triggers
POLL_SECONDS = 0.5  # SQLite: how often data_version is read
TICK_SECONDS = 0.2  # PostgreSQL: the longest wait for a notification before stop is checked
COALESCE_SECONDS = 0.25  # a burst of changes within this window is reported once
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)  # waits between reconnect attempts
CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Changes:
    """What changed since the listener last heard. ``everything``: the feed cannot say
    which rows (SQLite, an unknown payload, or a reconnect that may have missed some)."""

    escalations: frozenset[int] = frozenset()
    contacts: frozenset[int] = frozenset()
    everything: bool = False

    def touches_escalation(self, escalation_id: int) -> bool:
        return self.everything or escalation_id in self.escalations


Listener = Callable[[Changes], None]


@dataclass
class _Pending:
    escalations: set[int] = field(default_factory=set)
    contacts: set[int] = field(default_factory=set)
    everything: bool = False
    since: float | None = None  # monotonic time of the first change in the window

    def add(self, payload: str | None) -> None:
        """One notification's payload (``escalation:12``, ``contact:3``); None or unknown: everything."""
        if self.since is None:
            self.since = time.monotonic()
        kind, _, raw = (payload or "").partition(":")
        if raw.isdigit() and kind == "escalation":
            self.escalations.add(int(raw))
        elif raw.isdigit() and kind == "contact":
            self.contacts.add(int(raw))
        else:
            self.everything = True

    def take(self) -> Changes:
        out = Changes(frozenset(self.escalations), frozenset(self.contacts), self.everything)
        self.escalations, self.contacts, self.everything, self.since = set(), set(), False, None
        return out


class ChangeFeed:
    """A running feed; ``stop()`` ends it. ``backend`` is "postgresql", "sqlite" or "none"."""

    backend = "none"
    tick = TICK_SECONDS  # the longest single wait: stop() is heard within it

    def __init__(self, listener: Listener, *, coalesce: float = COALESCE_SECONDS) -> None:
        self.listener = listener
        self.coalesce = coalesce
        self.connected = threading.Event()  # set while the feed holds a live connection
        self.failed = threading.Event()  # set once a connection could not be made or was lost
        self.error = ""  # the last connection failure, for a status line; "" while healthy
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending = _Pending()

    # -- the caller's side
    def start(self) -> ChangeFeed:
        self._thread = threading.Thread(target=self._run, name=f"tpsdesk-changes-{self.backend}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening and close the connection; returns within ``timeout``."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- the feed's thread
    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                self._connect()
                self.connected.set()
                self.error = ""
                if attempt:  # changes made while we were away were not heard
                    self._pending.add(None)
                attempt = 0
                while not self._stop.is_set():
                    self._wait(self._timeout())
                    self._flush_due()
            except Exception as exc:  # a lost server or file: log it, wait, try again
                self.connected.clear()
                self.error = f"live updates lost: {exc}".strip()
                self.failed.set()
                log.warning("change feed (%s): %s", self.backend, exc)
                self._close()
                wait = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
                attempt += 1
                self._stop.wait(wait)
        self.connected.clear()
        self._close()

    def _timeout(self) -> float:
        if self._pending.since is None:
            return self.tick
        return max(0.0, min(self.tick, self._pending.since + self.coalesce - time.monotonic()))

    def _flush_due(self) -> None:
        since = self._pending.since
        if since is None or time.monotonic() < since + self.coalesce:
            return
        changes = self._pending.take()
        try:
            self.listener(changes)
        except Exception:  # a listener's bug must not end the feed
            log.exception("change feed listener failed")

    def _connect(self) -> None:
        """Open the dedicated connection (on the feed's thread)."""

    def _wait(self, timeout: float) -> None:
        """Wait up to ``timeout`` for changes, adding what arrives to ``self._pending``."""
        self._stop.wait(timeout)

    def _close(self) -> None:
        """Close the dedicated connection, if any; never raises."""


class _NullFeed(ChangeFeed):
    """An in-memory database: no other process can change it."""

    tick = 1.0


class _SqliteFeed(ChangeFeed):
    backend = "sqlite"
    tick = POLL_SECONDS

    def __init__(self, path: str, listener: Listener, **kw: Any) -> None:
        super().__init__(listener, **kw)
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    def _connect(self) -> None:
        # mode=rw: never create a missing file (the store makes it, 0600).
        uri = f"file:{quote(self.path)}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5)
        conn.execute("PRAGMA busy_timeout=5000")
        self._conn = conn
        self._version = self._data_version()

    def _data_version(self) -> int:
        assert self._conn is not None
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def _wait(self, timeout: float) -> None:
        if self._stop.wait(timeout):
            return
        version = self._data_version()
        if version != self._version:
            self._version = version
            self._pending.add(None)

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()


class _PostgresFeed(ChangeFeed):
    backend = "postgresql"

    def __init__(self, conninfo: str, listener: Listener, **kw: Any) -> None:
        super().__init__(listener, **kw)
        self.conninfo = conninfo
        self._conn: Any = None  # psycopg.Connection, imported on the feed's thread

    def _connect(self) -> None:
        import psycopg

        conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        self._conn = conn
        conn.execute(f"LISTEN {CHANNEL}")

    def _wait(self, timeout: float) -> None:
        assert self._conn is not None
        for note in self._conn.notifies(timeout=timeout):
            if note.channel == CHANNEL:
                self._pending.add(note.payload)
        if self._conn.closed:
            raise ConnectionError("the PostgreSQL connection closed")

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing left to do
                conn.close()


def postgres_conninfo(url: str) -> str:
    """The libpq URI of an SQLAlchemy ``postgresql+psycopg://`` URL (password kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def watch(store: Store | str, listener: Listener, *, coalesce: float = COALESCE_SECONDS) -> ChangeFeed:
    """Start a feed on the store's database (a ``Store`` or its URL); ``listener`` is called
    on the feed's thread with each coalesced :class:`Changes`."""
    url = store if isinstance(store, str) else store.url
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    feed: ChangeFeed
    if backend == "postgresql":
        feed = _PostgresFeed(postgres_conninfo(url), listener, coalesce=coalesce)
    elif backend == "sqlite" and parsed.database and parsed.database != ":memory:":
        feed = _SqliteFeed(parsed.database, listener, coalesce=coalesce)
    else:
        feed = _NullFeed(listener, coalesce=coalesce)
    return feed.start()
