"""Benchmark: the queue's queries on a 1,000,000-escalation demo database (SQLite).

Median time (ms) over ``--runs`` of the service calls the queue screen and the CLI
make: ``escalations.list_page`` first page (limit 40), a deep page by keyset
(``after=`` the key half-way down the queue), ``count()`` and ``overdue(limit=100)``,
as an SP (who sees the whole Centre) and as a TPS officer (own items). Then the
``EXPLAIN QUERY PLAN`` of each SQL statement they ran, flagging a full table scan
or a temporary B-tree for ORDER BY.

    .venv/bin/python bench/bench_demo.py --keep /tmp/tps_m1.db      # once: builds the file
    .venv/bin/python bench/bench_queue.py [--db /tmp/tps_m1.db] [--runs 7] [--user sp1]

The path comes from ``--db``, else ``TPSDESK_BENCH_DB``, else /tmp/tps_m1.db; a
missing file is built first with ``tpsdesk demo --size 1000000``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from sqlalchemy import event, select  # noqa: E402

from tpsdesk.domain.access import sees_whole_centre as can_see_all  # noqa: E402
from tpsdesk.models import Escalation  # noqa: E402
from tpsdesk.policy import load_policy  # noqa: E402
from tpsdesk.services import escalations as esc  # noqa: E402
from tpsdesk.services.actors import actor_for  # noqa: E402
from tpsdesk.services.desk import Desk  # noqa: E402
from tpsdesk.store import Store  # noqa: E402

WARN = ("SCAN escalation", "USE TEMP B-TREE FOR ORDER BY")


def ensure_db(path: Path, size: int) -> None:
    if path.exists():
        return
    print(f"{path} does not exist: building it with tpsdesk demo --size {size:,} (once)", flush=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TPSDESK_NOW", None)
    subprocess.run(
        [sys.executable, "-m", "tpsdesk", "--db", str(path), "demo", "--size", str(size)], check=True, env=env
    )


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    fn()  # warm: statement cache, page cache
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def deep_key(desk: Desk, logon: str) -> tuple[int, Any, int]:
    """The queue key half-way down the actor's open items (set up once, untimed)."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        stmt = select(Escalation.rank, Escalation.sort_at, Escalation.id).where(Escalation.closed.is_(False))  # type: ignore[attr-defined]
        if can_see_all(desk.policy, actor):
            stmt = stmt.where(Escalation.centre_id == actor.centre_id)
        else:
            stmt = stmt.where((Escalation.raised_by_id == actor.id) | (Escalation.owner_id == actor.id))
        total = esc.count(desk, logon)
        row = session.execute(
            stmt.order_by(Escalation.rank, Escalation.sort_at, Escalation.id).offset(total // 2).limit(1)
        ).one()
        return (row[0], row[1], row[2])


def capture(desk: Desk, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The SQL statements (with parameters) that one call runs."""
    seen: list[tuple[str, Any]] = []

    def log(_conn: Any, _cur: Any, statement: str, parameters: Any, *_a: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(desk.store.engine, "before_cursor_execute", log)
    try:
        fn()
    finally:
        event.remove(desk.store.engine, "before_cursor_execute", log)
    return seen


def plans(desk: Desk, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    out = []
    with desk.store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for sql, params in statements:
            if "FROM escalation" not in sql:
                continue  # the actor lookup: a unique-index probe on staff.logon
            rows = raw.execute("EXPLAIN QUERY PLAN " + sql, params).fetchall()
            out.append((" ".join(sql.split())[:160], [r[-1] for r in rows]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(os.environ.get("TPSDESK_BENCH_DB", "/tmp/tps_m1.db")))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", type=int, default=1_000_000, help="size if the file must be built")
    parser.add_argument("--user", default="sp1", help="an SP (whole Centre)")
    parser.add_argument("--tps", default="tps1", help="a TPS officer (own items)")
    args = parser.parse_args()
    ensure_db(args.db, args.size)
    store = Store(str(args.db))
    store.require_current()
    desk = Desk(store, policy=load_policy(use_override=False))
    with store.read() as session:
        total = session.execute(select(Escalation.id).order_by(Escalation.id.desc()).limit(1)).scalar()  # type: ignore[union-attr]
    print(f"database {args.db}: {total:,} escalations; {args.runs} runs each, median shown\n")
    calls: list[tuple[str, Callable[[], Any]]] = []
    for logon in (args.user, args.tps):
        key = deep_key(desk, logon)
        calls += [
            (f"list_page first page, limit 40 ({logon})", lambda u=logon: esc.list_page(desk, u, limit=40)),
            (
                f"list_page deep page after= half-way ({logon})",
                lambda u=logon, k=key: esc.list_page(desk, u, after=k, limit=40),
            ),
            (f"count() open ({logon})", lambda u=logon: esc.count(desk, u)),
            (f"overdue(limit=100) ({logon})", lambda u=logon: esc.overdue(desk, u, limit=100)),
        ]
    report = []
    for label, fn in calls:
        ms, result = median_ms(fn, args.runs)
        size = result if isinstance(result, int) else len(result)
        report.append((label, ms, size, plans(desk, capture(desk, fn))))
        print(f"{ms:9.2f} ms  {label}  -> {size:,}")
    print("\nEXPLAIN QUERY PLAN")
    for label, _ms, _n, found in report:
        for sql, steps in found:
            flag = (
                " <-- no index for this" if any(any(w in s and "USING" not in s for w in WARN) for s in steps) else ""
            )
            print(f"\n{label}{flag}\n  {sql}")
            for step in steps:
                print(f"    {step}")
    store.dispose()


if __name__ == "__main__":
    main()
