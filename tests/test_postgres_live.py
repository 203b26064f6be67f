"""The live floor on PostgreSQL (issue 8): the change feed LISTENs on ``tpsdesk_changes``
(the triggers of migration 0004) and hears which escalation another connection changed,
reconnects when its connection is lost; and one process sweeps a Centre at a time (E12), each due item moved once.

Needs ``TPSDESK_TEST_PG`` like tests/test_postgres.py (skipped only when it is unset),
in the same kind of throw-away database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cli_helpers import ROOT
from sqlalchemy import create_engine, text
from sqlmodel import select
from test_changes import WAIT, Heard
from test_postgres import START

from tpsdesk import changes
from tpsdesk.models import Centre, Escalation, Event
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import workflow as wf
from tpsdesk.services.desk import Desk
from tpsdesk.store import Store

pytestmark = pytest.mark.postgres
CRN = "123456789A"


@pytest.fixture
def other(pg_desk: Desk) -> Iterator[Desk]:
    """Another officer's process: its own engine on the same database and clock."""
    store = Store(pg_desk.store.url)
    yield Desk(store, policy=pg_desk.policy, clock=pg_desk.clock)
    store.dispose()


def _raise(desk: Desk, logon: str = "tps1", category: str = "review") -> int:
    return esc_svc.raise_escalation(desk, logon, category=category, crn=CRN).id


# ---------------------------------------------------------------- the feed
def test_pg_feed_names_the_escalation_another_process_changed(pg_desk, pg_floor, other) -> None:
    eid = _raise(pg_desk)
    heard = Heard()
    with changes.watch(pg_desk.store, heard) as feed:
        assert feed.backend == "postgresql"
        assert feed.connected.wait(WAIT)
        esc_svc.claim(other, "sp1", eid)
        assert eid in heard.until(lambda c: eid in c.escalations).escalations
        seen = heard.count()
        esc_svc.add_note(other, "sp1", eid, "called the customer back")
        heard.until(lambda c: heard.count() > seen and eid in c.escalations)
        assert not any(c.everything for c in heard.all)  # PostgreSQL names the rows
    assert not feed.running


def test_pg_feed_reports_one_transactions_burst_once(pg_desk, pg_floor, other) -> None:
    from tpsdesk.services.actors import actor_for

    heard = Heard()
    with changes.watch(pg_desk.store, heard) as feed:
        assert feed.connected.wait(WAIT)
        with other.store.write() as session:
            actor = actor_for(session, "tps1")
            ids = {
                esc_svc.create_escalation(other, session, actor, category="review", crn=CRN, summary=f"item {i}").id
                for i in range(5)
            }
        found = heard.until(lambda c: bool(c.escalations))
        assert ids <= found.escalations


def test_pg_feed_reconnects_and_reports_everything_after_a_loss(pg_desk, pg_floor, other) -> None:
    heard = Heard()
    admin = create_engine(pg_desk.store.url, isolation_level="AUTOCOMMIT")
    try:
        with changes.watch(pg_desk.store, heard) as feed:
            assert feed.connected.wait(WAIT)
            with admin.connect() as conn:
                killed = conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND query = :q AND pid <> pg_backend_pid()"
                    ),
                    {"q": f"LISTEN {changes.CHANNEL}"},
                ).all()
            assert killed == [(True,)]
            assert feed.failed.wait(WAIT)
            heard.until(lambda c: c.everything, timeout=WAIT + 2)  # back, and may have missed something
            assert feed.connected.wait(WAIT)
            eid = _raise(other)
            heard.until(lambda c: eid in c.escalations)
    finally:
        admin.dispose()


# ---------------------------------------------------------------- the sweep (E12)
def _due_referrals(desk: Desk, n: int) -> list[int]:
    """``n`` system issues referred to ICT, their follow-ups due after the clock moves on."""
    checks = list(desk.policy.referral.system_checks)
    ids = []
    for _ in range(n):
        eid = _raise(desk, category="system")
        wf.refer(desk, "sp1", eid, target="ict", checks=checks)
        ids.append(eid)
    return ids


def _follow_up_events(desk: Desk) -> Counter[int]:
    with desk.store.read() as s:
        rows = s.exec(select(Event.escalation_id, Event.actor_id).where(Event.kind == "follow-up-due")).all()
    assert all(actor is None for _, actor in rows)  # the system's, never a person's
    return Counter(eid for eid, _ in rows if eid is not None)


def test_e12_four_sweepers_at_once_move_each_item_exactly_once(pg_desk, pg_floor) -> None:
    ids = _due_referrals(pg_desk, 30)
    pg_desk.clock.advance(days=8)  # type: ignore[attr-defined]
    gate = threading.Barrier(4, timeout=WAIT)
    moved: list[int] = []
    errors: list[BaseException] = []

    def sweeper() -> None:
        store = Store(pg_desk.store.url)
        try:
            desk = Desk(store, policy=pg_desk.policy, clock=pg_desk.clock)
            gate.wait()
            moved.append(esc_svc.sweep(desk))
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)
        finally:
            store.dispose()

    threads = [threading.Thread(target=sweeper) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(moved) == 4
    assert sum(moved) == len(ids)
    assert _follow_up_events(pg_desk) == Counter({eid: 1 for eid in ids})


def test_e12_sweep_processes_racing_on_one_floor_move_each_item_once(pg_desk, pg_floor) -> None:
    ids = _due_referrals(pg_desk, 20)
    now = (START + timedelta(days=8)).isoformat()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TPSDESK_")}
    env |= {"TPSDESK_NOW": now, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "tpsdesk", "--db", pg_desk.store.url, "escalation", "sweep", "--json"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sum(json.loads(out)["moved"] for out, _ in outs) == len(ids)
    assert _follow_up_events(pg_desk) == Counter({eid: 1 for eid in ids})


def _run_bounded(fn: Any) -> Any:
    """Run ``fn`` on a thread; fail if it is still waiting after a bounded time."""
    result: list[Any] = []
    t = threading.Thread(target=lambda: result.append(fn()))
    t.start()
    t.join(20)
    assert not t.is_alive(), "the sweep waited on another transaction"
    return result[0]


def test_e12_sweep_skips_a_row_an_officer_is_writing_and_never_waits(pg_desk, pg_floor) -> None:
    first, *rest = _due_referrals(pg_desk, 3)
    pg_desk.clock.advance(days=8)  # type: ignore[attr-defined]
    officer = create_engine(pg_desk.store.url)
    try:
        with officer.connect() as conn:
            tx = conn.begin()
            conn.execute(text("SELECT id FROM escalation WHERE id = :id FOR UPDATE"), {"id": first})
            assert _run_bounded(lambda: esc_svc.sweep(pg_desk)) == len(rest)
            tx.rollback()
        assert _run_bounded(lambda: esc_svc.sweep(pg_desk)) == 1  # swept once the officer is done
    finally:
        officer.dispose()
    assert _follow_up_events(pg_desk) == Counter({eid: 1 for eid in [first, *rest]})


def test_e12_a_centre_another_process_is_sweeping_is_skipped(pg_desk, pg_floor) -> None:
    ids = _due_referrals(pg_desk, 2)
    pg_desk.clock.advance(days=8)  # type: ignore[attr-defined]
    with pg_desk.store.read() as s:
        centre_id = s.exec(select(Escalation.centre_id).where(Escalation.id == ids[0])).one()
        assert s.exec(select(Centre.code).where(Centre.id == centre_id)).one() == "PCC"
    holder = create_engine(pg_desk.store.url)
    try:
        with holder.connect() as conn:
            tx = conn.begin()
            conn.execute(text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": esc_svc.SWEEP_LOCK, "c": centre_id})
            assert _run_bounded(lambda: esc_svc.sweep(pg_desk)) == 0  # PCC is being swept elsewhere
            tx.rollback()
        assert esc_svc.sweep(pg_desk) == 2
    finally:
        holder.dispose()
