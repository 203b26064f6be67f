"""Shift summary renders on a busy shift (issue 11, X1): every export format, timed.

Builds a temporary SQLite floor (the test floor's staff and sites) with one shift at SYD
holding N contacts (default 20,000) and M escalations raised in it (default 5,000: some
finalised, some referred, the open ones due around the end of the shift, so some overdue)
and a few hundred stop-payment DOCs, reads the shift summary once (its time printed too)
with every open item listed (``--limit``), then prints the median of ``--runs`` renders of
each format (text, md, csv, json, html, xlsx). The target is under 1 s each. Not a test:
figures are medians of benchmark runs.

    .venv/bin/python bench/bench_exports.py [--contacts 20000] [--escalations 5000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from tests.conftest import START, build_floor  # noqa: E402
from tpsdesk import export  # noqa: E402
from tpsdesk.clock import FakeClock  # noqa: E402
from tpsdesk.models import RANK_CLOSED, RANK_NORMAL, RANK_URGENT, Contact, Escalation, Staff, StopPaymentDoc  # noqa: E402
from tpsdesk.policy import load_policy  # noqa: E402
from tpsdesk.services.desk import Desk  # noqa: E402
from tpsdesk.services.summaries import ShiftSummary, shift_summary  # noqa: E402
from tpsdesk.store import Store  # noqa: E402

CATEGORIES = ["review", "death", "fcso", "system", "policy", "arrears", "q999"]
REASONS = ["status-rate", "coding-error", "cannot-finalise", "supervisor", "incorrect-arrears"]
OUTCOMES = [["resolved"], ["escalated"], ["took-over"], ["escalated", "referred-ict"], []]
SHIFT_START = START - timedelta(hours=2)  # 08:00 in Sydney; START is 10:00
SHIFT_END = START + timedelta(hours=7)  # COB 17:00


def populate(desk: Desk, contacts: int, escalations: int, docs: int) -> None:
    rnd = random.Random(11)
    span = int((SHIFT_END - SHIFT_START).total_seconds())
    with desk.store.write() as session:
        staff = {s.logon: s for s in session.exec(select(Staff)).all()}
        pcc, syd = staff["sp1"].centre_id, staff["sp1"].site_id
        owners = [staff["sp1"].id, staff["sso1"].id, staff["tps2"].id, None]
        template = Escalation(
            category="review", centre_id=pcc, site_id=syd, raised_by_id=staff["tps1"].id or 0, raised_at=SHIFT_START
        ).model_dump()
        rows = []
        for i in range(escalations):
            raised = SHIFT_START + timedelta(seconds=rnd.randrange(span))
            category = rnd.choice(CATEGORIES)
            row = dict(
                template,
                category=category,
                raised_at=raised,
                crn=f"{rnd.randrange(10**9):09d}{'ABCDEFGHJK'[i % 10]}",
                owner_id=rnd.choice(owners),
                summary=f"customer {i}: call back about CRN {rnd.randrange(10**9):09d}Z <b>&</b>",
            )
            roll = rnd.random()
            if roll < 0.3:
                row.update(
                    status="finalised", closed=True, finalised_at=raised + timedelta(minutes=30), rank=RANK_CLOSED
                )
            else:
                due = raised + timedelta(hours=rnd.randrange(1, 30))
                row.update(
                    status="referred" if roll < 0.4 else "in-progress", closed=False, due_at=due, next_action_at=due,
                    sort_at=due, rank=RANK_URGENT if category == "arrears" else RANK_NORMAL,
                    referred_at=raised + timedelta(minutes=10) if roll < 0.4 else None,
                )  # fmt: skip
            rows.append(row)
        session.execute(insert(Escalation), rows)
        people = [staff["tps1"].id, staff["tps2"].id, None]
        crows = [
            dict(
                centre_id=pcc,
                site_id=syd,
                channel="smart-centre",
                requester_name="Sam Officer",
                recorded_by_id=staff["so1"].id,
                reason=rnd.choice(REASONS),
                help_required="rate",
                opened_at=SHIFT_START + timedelta(seconds=rnd.randrange(span)),
                tps_id=rnd.choice(people),
                references="[]",
                outcomes=json.dumps(rnd.choice(OUTCOMES)),
                branch_detail="",
                version=1,
            )
            for _ in range(contacts)
        ]
        session.execute(insert(Contact), crows)
        drows = [
            dict(
                centre_id=pcc,
                site_id=syd,
                crn=f"{rnd.randrange(10**9):09d}A",
                payment_type="Age Pension",
                amount_cents=12345,
                period_from=date(2026, 9, 1),
                period_to=date(2026, 9, 14),
                ar_checked=True,
                text="DOC",
                reason="Employment income was not coded",
                created_by_id=staff["sso1"].id,
                created_at=SHIFT_START + timedelta(seconds=rnd.randrange(span)),
                ict_requested_at=SHIFT_START + timedelta(seconds=rnd.randrange(span)) if rnd.random() < 0.7 else None,
            )
            for _ in range(docs)
        ]
        session.execute(insert(StopPaymentDoc), drows)


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm up (imports, caches)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, max(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--escalations", type=int, default=5_000)
    parser.add_argument("--docs", type=int, default=200, help="stop-payment DOCs in the shift (default 200)")
    parser.add_argument("--limit", type=int, default=100_000, help="items listed per section (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        store.upgrade()
        desk = Desk(store, policy=load_policy(use_override=False), clock=FakeClock(SHIFT_END))
        build_floor(desk)
        t0 = time.perf_counter()
        populate(desk, args.contacts, args.escalations, args.docs)
        print(
            f"populated {args.contacts:,} contacts, {args.escalations:,} escalations and {args.docs} DOCs "
            f"in one shift in {time.perf_counter() - t0:.1f} s"
        )
        found: list[ShiftSummary] = []
        med, worst = median_ms(lambda: found.append(shift_summary(desk, "tl1", limit=args.limit)), args.runs)
        s = found[-1]
        print(
            f"shift_summary (read, limit {args.limit:,}): median {med:.0f} ms, max {worst:.0f} ms; "
            f"{s.contacts_total:,} contacts, {len(s.contacts_over_time)} hours, {len(s.escalations)} categories, "
            f"{len(s.stop_payments)} DOCs, {len(s.overdue):,} overdue and {len(s.handover):,} handed over listed"
        )
        for fmt in export.FORMATS:
            size = len(export.render_bytes(s, fmt))
            med, worst = median_ms(lambda fmt=fmt: export.render_bytes(s, fmt), args.runs)
            flag = "" if med < 1000 else "  (over the 1 s target)"
            print(f"render {fmt:<5} {size / 1024:>8,.0f} KiB: median {med:>6.0f} ms, max {worst:>6.0f} ms{flag}")
        store.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
