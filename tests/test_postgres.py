"""The same storage proofs on PostgreSQL (a shared floor): migrations, aware UTC
round trip (C1), raise + claim, concurrent claims with one winner (E11), stale
versions, keyset paging and the demo generator.

Needs ``TPSDESK_TEST_PG`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``;
``.ci/run`` sets it). Skipped only when it is unset: when it is set and the
server is unreachable, these tests fail. Each run works in its own throw-away
database ``tpsdesk_t_<random>``, dropped at the end.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from conftest import OWNER
from sqlalchemy import func, text
from sqlmodel import select

from tpsdesk import demo
from tpsdesk.errors import Conflict, ValidationError
from tpsdesk.models import Escalation
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk
from tpsdesk.services.uow import apply_schedule

pytestmark = pytest.mark.postgres
START = datetime(2026, 9, 25, 0, 0, tzinfo=UTC)  # Fri 10:00 in Sydney, as conftest


def test_pg_upgrade_migrates_to_head(pg_desk: Desk) -> None:
    store = pg_desk.store
    assert store.dialect == "postgresql" and not store.is_sqlite
    assert store.current_revision() == store.head_revision()
    store.require_current()
    store.upgrade()  # a second upgrade is a no-op
    with store.engine.connect() as conn:
        kind = conn.execute(
            text(
                "SELECT data_type FROM information_schema.columns WHERE table_name = 'escalation' AND column_name = 'raised_at'"
            )
        ).scalar()
    assert kind == "timestamp with time zone"


def test_c1_pg_aware_round_trip_utc_in_utc_out(pg_desk: Desk, pg_floor: Any) -> None:
    aest = timezone(timedelta(hours=10))
    local = datetime(2026, 9, 25, 17, 40, tzinfo=aest)
    v = escalations.raise_escalation(pg_desk, pg_floor.tps, category="death", crn="123456789A")
    with pg_desk.store.write() as session:
        esc = session.get(Escalation, v.id)
        assert esc is not None
        esc.raised_at = local
    with pg_desk.store.read() as session:
        back = session.get(Escalation, v.id)
        assert back is not None
        assert back.raised_at == local and back.raised_at.utcoffset() == timedelta(0)
        assert back.raised_at == datetime(2026, 9, 25, 7, 40, tzinfo=UTC)
    # Whatever the session's zone, the stored instant is the same.
    with pg_desk.store.engine.connect() as conn:
        conn.execute(text("SET TIME ZONE 'Australia/Perth'"))
        raw = conn.execute(text("SELECT raised_at FROM escalation WHERE id = :id"), {"id": v.id}).scalar()
    assert raw == local and raw.utcoffset() == timedelta(hours=8)


def test_pg_raise_and_claim(pg_desk: Desk, pg_floor: Any) -> None:
    v = escalations.raise_escalation(
        pg_desk, pg_floor.tps, category="death", crn="123 456 789a", summary="partner died"
    )
    assert v.crn == "123456789A" and v.due_at == datetime(2026, 9, 26, 0, 0, tzinfo=UTC)  # E3: 24 hours
    claimed = escalations.claim(pg_desk, pg_floor.sp, v.id, note="checked the coding")
    assert claimed.owner == pg_floor.sp and claimed.status == "in-progress" and claimed.version > v.version


def test_e11_pg_concurrent_claims_exactly_one_winner(pg_desk: Desk, pg_floor: Any) -> None:
    v = escalations.raise_escalation(pg_desk, pg_floor.tps, category="review", crn="123456789A")
    claimants = [pg_floor.sp, pg_floor.sso, pg_floor.pool, pg_floor.per_sp]
    barrier = threading.Barrier(len(claimants))
    results: list[Any] = [None] * len(claimants)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = escalations.claim(pg_desk, claimants[i], v.id)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(claimants))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1, results
    assert all(isinstance(e, Conflict) and f"({wins[0].owner})" in str(e) for e in losses), losses
    assert escalations.show(pg_desk, pg_floor.sp, v.id).escalation.owner == wins[0].owner


def test_e11_pg_stale_version_is_a_conflict(pg_desk: Desk, pg_floor: Any) -> None:
    v = escalations.raise_escalation(pg_desk, pg_floor.tps, category="review", crn="123456789A")
    escalations.claim(pg_desk, pg_floor.sp, v.id)
    with pytest.raises(Conflict, match=r"Sue Senior \(sp1\)"):
        escalations.release(pg_desk, pg_floor.sp, v.id, expected_version=v.version)
    assert escalations.show(pg_desk, pg_floor.sp, v.id).escalation.owner == pg_floor.sp


def test_pg_keyset_list_page_walks_the_queue_once(pg_desk: Desk, pg_floor: Any) -> None:
    ids = [
        escalations.raise_escalation(pg_desk, pg_floor.tps, category=c, crn="123456789A").id
        for c in ("review", "death", "system") * 3
    ]
    seen: list[int] = []
    after = None
    while True:
        page = escalations.list_page(pg_desk, pg_floor.sp, after=after, limit=4)
        if not page:
            break
        seen += [p.id for p in page]
        after = page[-1].key
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    keys = [p.key for p in escalations.list_page(pg_desk, pg_floor.sp, limit=100)]
    assert keys == sorted(keys)  # (rank, sort_at, id): urgent and overdue first
    assert escalations.count(pg_desk, pg_floor.sp) == len(ids)


def test_pg_demo_generator(pg_desk: Desk) -> None:
    stats = demo.generate(pg_desk, who=OWNER, size=150, seed=2)
    assert stats.escalations == 150 and stats.overdue > 0 and set(stats.by_category) == set(pg_desk.policy.categories)
    with pytest.raises(ValidationError, match="--reset"):
        demo.generate(pg_desk, who=OWNER, size=10)
    # Explicit ids moved the sequences on: new rows still insert.
    v = escalations.raise_escalation(pg_desk, "tps1", category="death", crn="123456789A")
    assert v.id == 151
    with pg_desk.store.read() as session:
        sample = session.exec(select(Escalation).where(Escalation.id % 10 == 0)).all()  # type: ignore[operator]
        for esc in sample:
            stored = (esc.due_at, esc.after_hours, esc.next_follow_up_at, esc.next_action_at, esc.rank, esc.sort_at)
            apply_schedule(pg_desk, session, esc)
            assert stored == (
                esc.due_at,
                esc.after_hours,
                esc.next_follow_up_at,
                esc.next_action_at,
                esc.rank,
                esc.sort_at,
            )
        session.rollback()
    # R7: tps1's escalation is not the demo's: a reset deletes it only when forced.
    with pytest.raises(ValidationError, match=r"did not create.*\(1 escalation, 1 history event\).*--force"):
        demo.generate(pg_desk, who=OWNER, size=30, seed=2, reset=True)
    again = demo.generate(pg_desk, who=OWNER, size=30, seed=2, reset=True, force=True)
    assert again.escalations == 30
    with pg_desk.store.read() as session:
        assert session.exec(select(func.count()).select_from(Escalation)).one() == 30


def test_pg_text_search_uses_the_trigram_index_and_finds_substrings(pg_desk: Desk) -> None:
    """PostgreSQL: the summary search is a pg_trgm index lookup, and finds the same rows as the rule
    it serves (the summary contains the text, any case)."""
    from tpsdesk import textsearch

    demo.generate(pg_desk, who=OWNER, size=400, seed=4)
    visible = escalations.list_page(pg_desk, "sp1", escalations.Filters(status="all"), limit=1000)
    summaries = {v.id: v.summary for v in visible}
    word = sorted({w for s in summaries.values() for w in s.split() if len(w) >= 6})[0][1:5]
    expected = {i for i, s in summaries.items() if word.lower() in s.lower()}
    found = escalations.list_page(pg_desk, "sp1", escalations.Filters(status="all", text=word.upper()), limit=1000)
    assert {v.id for v in found} == expected and expected
    with pg_desk.store.read() as session:
        session.exec(text("SET LOCAL enable_seqscan = off"))  # type: ignore[call-overload]
        condition = textsearch.matching("postgresql", word)
        stmt = select(Escalation.id).where(condition)
        compiled = stmt.compile(dialect=pg_desk.store.engine.dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in session.exec(text(f"EXPLAIN {compiled}")).all())  # type: ignore[call-overload]
    assert textsearch.PG_INDEX in plan, plan


def test_pg_summary_dashboard_and_month_counts_agree_with_sqlite(pg_desk: Desk, desk: Desk) -> None:
    """X1, T1 and the calendar's day counts are the same figures on both backends for the same
    demo floor: the index-range reads (per-day ranges, partial indexes, two-sided overdue
    range) mean the same on PostgreSQL as on SQLite."""
    from tpsdesk.services import calendar, dashboard, summaries

    for d in (pg_desk, desk):
        demo.generate(d, who=OWNER, size=400, seed=6)
    now = pg_desk.now()
    assert now == desk.now()
    window = {"start": f"{(now - timedelta(days=3)).date()}T08:00", "end": f"{now.date()}T17:00"}

    def figures(d: Desk) -> tuple[Any, ...]:
        s = summaries.shift_summary(d, "tl1", **window)
        dash = dashboard.floor_dashboard(d, "tl1")
        grid = calendar.month_grid(d, "sp1", now.year, now.month)
        return (
            s.contacts_total, s.by_reason, s.by_outcome, s.escalations, s.handover_total, s.overdue_total,
            [i.id for i in s.handover], [(p.doc_id, p.state) for p in s.stop_payments],
            dash.owners, dash.overdue_by_category, dash.after_hours_open, dash.stop_payment_open,
            dash.finalised_today, dash.raised_today, grid.days,
        )  # fmt: skip

    on_pg, on_sqlite = figures(pg_desk), figures(desk)
    assert on_pg[0] and on_pg[4] and on_pg[-1]  # the window and the month hold data
    assert on_pg == on_sqlite
