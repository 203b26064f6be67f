"""The change feed (issue 8, live floor) on SQLite: another connection's or another
process's commit is reported within a bounded wait (``PRAGMA data_version``), and the
feed never blocks or breaks its caller. PostgreSQL: tests/test_postgres_live.py."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from cli_helpers import ok_json, run

from tpsdesk import changes
from tpsdesk.changes import Changes
from tpsdesk.services import escalations
from tpsdesk.store import Store

WAIT = 5.0  # bound on every wait; the feed polls every 0.5 s


class Heard:
    """A listener that remembers what it heard; ``until`` waits (bounded) for a match."""

    def __init__(self, fail_first: int = 0) -> None:
        self.all: list[Changes] = []
        self.fail_first = fail_first
        self._cond = threading.Condition()

    def __call__(self, found: Changes) -> None:
        with self._cond:
            self.all.append(found)
            self._cond.notify_all()
        if len(self.all) <= self.fail_first:
            raise RuntimeError("a listener with a bug")

    def until(self, match: Callable[[Changes], bool], timeout: float = WAIT) -> Changes:
        with self._cond:
            assert self._cond.wait_for(lambda: any(match(c) for c in self.all), timeout), f"heard only {self.all}"
            return next(c for c in self.all if match(c))

    def count(self) -> int:
        with self._cond:
            return len(self.all)


def test_sqlite_feed_reports_another_connections_commit(desk, floor, db_url) -> None:
    heard = Heard()
    with changes.watch(db_url, heard) as feed:
        assert feed.backend == "sqlite"
        assert feed.connected.wait(WAIT)
        other = Store(db_url)  # another engine on the same file: another connection
        try:
            escalations.raise_escalation(_desk_on(desk, other), floor.tps, category="review", crn="123456789A")
        finally:
            other.dispose()
        found = heard.until(lambda c: c.everything)
        assert found.touches_escalation(1)  # SQLite cannot say which row: it says everything
    assert not feed.running  # stop() joined


def test_sqlite_feed_reports_another_process_commit(desk, floor, db_url) -> None:
    heard = Heard()
    with changes.watch(desk.store, heard) as feed:
        assert feed.connected.wait(WAIT)
        proc = run(
            "escalation", "raise", "--category", "review", "--crn", "123456789A", "--json", db=db_url, user="tps1"
        )
        assert ok_json(proc)["id"]
        heard.until(lambda c: c.everything)


def test_sqlite_feed_survives_a_listener_that_raises(desk, floor, db_url) -> None:
    heard = Heard(fail_first=1)
    with changes.watch(db_url, heard) as feed:
        assert feed.connected.wait(WAIT)
        escalations.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
        heard.until(lambda c: True)
        seen = heard.count()
        escalations.raise_escalation(desk, floor.tps, category="review", crn="123456789A")
        heard.until(lambda c: heard.count() > seen)
        assert feed.running


def test_feed_on_a_missing_sqlite_file_never_creates_it_and_keeps_trying(tmp_path) -> None:
    missing = tmp_path / "nowhere.db"
    feed = changes.watch(f"sqlite:///{missing}", Heard())
    try:
        assert feed.failed.wait(WAIT)
        assert "live updates lost" in feed.error
        assert feed.running  # retries with backoff
        assert not missing.exists()
    finally:
        feed.stop()
    assert not feed.running


def test_feed_on_an_unreachable_postgresql_server_fails_on_its_own_thread() -> None:
    # Port 1 on this host refuses at once: the caller is never blocked or raised at.
    feed = changes.watch("postgresql+psycopg://nobody@127.0.0.1:1/none", Heard())
    try:
        assert feed.backend == "postgresql"
        assert feed.failed.wait(WAIT)
        assert not feed.connected.is_set()
        assert "live updates lost" in feed.error
    finally:
        feed.stop()
    assert not feed.running


def test_in_memory_database_has_nothing_to_watch() -> None:
    feed = changes.watch("sqlite://", Heard())
    assert feed.backend == "none"
    feed.stop()
    assert not feed.running


@pytest.mark.parametrize(
    ("payloads", "want"),
    [
        (["escalation:12", "escalation:12", "contact:3"], Changes(frozenset({12}), frozenset({3}), False)),
        (["escalation:7", "something else"], Changes(frozenset({7}), frozenset(), True)),
        ([None], Changes(frozenset(), frozenset(), True)),
    ],
)
def test_payloads_coalesce_into_one_report(payloads: list[str | None], want: Changes) -> None:
    pending = changes._Pending()
    for payload in payloads:
        pending.add(payload)
    assert pending.take() == want
    assert pending.since is None and pending.take() == Changes()


def _desk_on(desk, store: Store):
    from tpsdesk.services.desk import Desk

    return Desk(store, policy=desk.policy, clock=desk.clock)
