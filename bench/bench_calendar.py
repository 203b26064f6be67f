"""Calendar month and floor dashboard on a large Centre (issue 4, items 5 and F6).

Builds a temporary SQLite database with N escalations of one Centre (most of
them finalised history, the open ones due over four months) and M contacts
over the last weeks, then prints the median time of ``calendar.month`` and
``dashboard.floor_dashboard`` as an SP and a TL see them.

    .venv/bin/python bench/bench_calendar.py [-n 200000] [--contacts 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from tests.conftest import START, build_floor  # noqa: E402
from tpsdesk.clock import FakeClock  # noqa: E402
from tpsdesk.models import RANK_CLOSED, RANK_NORMAL, RANK_URGENT, Contact, Escalation, Staff  # noqa: E402
from tpsdesk.policy import load_policy  # noqa: E402
from tpsdesk.services import calendar as cal_svc  # noqa: E402
from tpsdesk.services import dashboard as dash_svc  # noqa: E402
from tpsdesk.services.desk import Desk  # noqa: E402
from tpsdesk.store import Store  # noqa: E402

CATEGORIES = ["review", "death", "fcso", "system", "policy", "arrears", "q999"]


def populate(desk: Desk, n: int, contacts: int, open_share: float = 0.1) -> None:
    rnd = random.Random(7)
    with desk.store.write() as session:
        staff = {s.logon: s for s in session.exec(select(Staff)).all()}
        pcc = staff["sp1"].centre_id
        syd = staff["sp1"].site_id
        owners = [staff["sp1"].id, staff["sso1"].id, staff["tps2"].id, None]
        template = Escalation(
            category="review", centre_id=pcc, site_id=syd, raised_by_id=staff["tps1"].id or 0, raised_at=START
        ).model_dump()
        rows = []
        for _ in range(n):
            raised = START - timedelta(minutes=rnd.randrange(0, 400 * 24 * 60))
            is_open = rnd.random() < open_share
            category = rnd.choice(CATEGORIES)
            row = dict(template, category=category, raised_at=raised, crn="123456789A", owner_id=rnd.choice(owners))
            if is_open:
                due = START + timedelta(minutes=rnd.randrange(-60 * 24 * 60, 90 * 24 * 60))
                nfu = due + timedelta(days=rnd.choice([0, 3, 7]))
                row.update(
                    status="in-progress", closed=False, due_at=due, next_follow_up_at=nfu, next_action_at=min(due, nfu),
                    sort_at=min(due, nfu), rank=RANK_URGENT if category == "arrears" else RANK_NORMAL,
                    after_hours=rnd.random() < 0.05,
                )  # fmt: skip
            else:
                row.update(status="finalised", closed=True, finalised_at=raised + timedelta(days=3), rank=RANK_CLOSED)
            rows.append(row)
        for i in range(0, len(rows), 20_000):
            session.execute(insert(Escalation), rows[i : i + 20_000])
        people = [staff["tps1"].id, staff["tps2"].id, None]
        crows = [
            dict(
                centre_id=pcc,
                site_id=syd,
                channel="smart-centre",
                requester_name="Sam Officer",
                recorded_by_id=staff["so1"].id,
                reason="status-rate",
                help_required="rate",
                opened_at=START - timedelta(minutes=rnd.randrange(0, 30 * 24 * 60)),
                tps_id=rnd.choice(people),
                references="[]",
                outcomes="[]",
                branch_detail="",
                version=1,
            )
            for _ in range(contacts)
        ]
        for i in range(0, len(crows), 20_000):
            session.execute(insert(Contact), crows[i : i + 20_000])
        # History as the services write it (D3): a raised event each, a finalised one for closed items.
        session.execute(
            text(
                "INSERT INTO event (escalation_id, actor_id, at, kind, detail) SELECT id, raised_by_id, raised_at, 'raised', '' FROM escalation"
            )
        )
        session.execute(
            text(
                "INSERT INTO event (escalation_id, actor_id, at, kind, detail) "
                "SELECT id, raised_by_id, finalised_at, 'finalised', '' FROM escalation WHERE closed"
            )
        )


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm caches (holiday years, statements)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="escalations (default 200,000; 10%% open)")
    parser.add_argument("--contacts", type=int, default=100_000, help="contacts (default 100,000 over 30 days)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        store.upgrade()
        desk = Desk(store, policy=load_policy(use_override=False), clock=FakeClock(START))
        build_floor(desk)
        t0 = time.perf_counter()
        populate(desk, args.n, args.contacts)
        print(f"populated {args.n:,} escalations and {args.contacts:,} contacts in {time.perf_counter() - t0:.1f} s")
        month = cal_svc.month(desk, "sp1", 2026, 9)
        entries = sum(len(v) for v in month.items.values())
        med, worst = median_ms(lambda: cal_svc.month(desk, "sp1", 2026, 9), args.runs)
        print(f"calendar.month (SP, Sep 2026, {entries:,} entries): median {med:.0f} ms, max {worst:.0f} ms")
        med, worst = median_ms(lambda: cal_svc.day_agenda(desk, "sp1", START.date()), args.runs)
        print(f"calendar.day_agenda (SP, one day): median {med:.0f} ms, max {worst:.0f} ms")
        med, worst = median_ms(lambda: dash_svc.floor_dashboard(desk, "tl1"), args.runs)
        print(f"dashboard.floor_dashboard (TL): median {med:.0f} ms, max {worst:.0f} ms")
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
