"""The demo floor (issue 2 item 7): deterministic for a seed and the clock, every
category and status, some overdue, staff in every role of both channels, refuses
a loaded database without --reset, deadline fields exactly as the services
compute them (E12, S3)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import fails, ok_json, run
from conftest import OWNER
from sqlalchemy import Table, func, select
from sqlmodel import col

from tpsdesk import demo
from tpsdesk.errors import ValidationError
from tpsdesk.models import STATUSES, Centre, Contact, Escalation, Event, Note, Staff, StopPaymentDoc
from tpsdesk.services import escalations
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk
from tpsdesk.services.uow import apply_schedule
from tpsdesk.store import Store

TABLES = (Centre, Staff, Escalation, Note, Event, Contact, StopPaymentDoc)


def _dump(desk: Desk) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    with desk.store.read() as session:
        conn = session.connection()
        for model in TABLES:
            table: Table = model.__table__  # type: ignore[assignment]
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
    return out


@pytest.fixture
def other_desk(tmp_path: Path, template_db: Path, desk: Desk) -> Desk:
    """A second empty database on the same fake clock."""
    path = tmp_path / "other.db"
    shutil.copy(template_db, path)
    store = Store(f"sqlite:///{path}")
    yield Desk(store, policy=desk.policy, clock=desk.clock)
    store.dispose()


def test_demo_same_seed_and_clock_give_the_same_rows(desk: Desk, other_desk: Desk) -> None:
    first = demo.generate(desk, who=OWNER, size=150, seed=7)
    second = demo.generate(other_desk, who=OWNER, size=150, seed=7)
    assert first.to_json() == second.to_json()
    a, b = _dump(desk), _dump(other_desk)
    assert a == b
    assert len(a["escalation"]) == 150 and a["note"] and a["event"] and a["contact"]


def test_demo_another_seed_gives_other_rows(desk: Desk, other_desk: Desk) -> None:
    demo.generate(desk, who=OWNER, size=80, seed=1)
    demo.generate(other_desk, who=OWNER, size=80, seed=2)
    assert _dump(desk)["escalation"] != _dump(other_desk)["escalation"]


def test_demo_every_category_and_status_with_some_overdue(desk: Desk) -> None:
    stats = demo.generate(desk, who=OWNER, size=300, seed=3)
    assert set(stats.by_category) == set(desk.policy.categories)
    assert set(stats.by_status) == set(STATUSES)
    assert stats.overdue > 0
    # E12: overdue means something today, through the service the desk uses.
    late = escalations.overdue(desk, "sp1", limit=5)
    assert late and all(v.next_action_at is not None and v.next_action_at < desk.now() for v in late)
    assert stats.docs == stats.by_category["arrears"]  # E1: every arrears escalation has its DOC
    with desk.store.read() as session:
        after_hours = session.exec(select(func.count()).where(col(Escalation.after_hours).is_(True))).one()
        crns = session.execute(select(Escalation.crn).where(Escalation.crn != "")).scalars().all()
        kinds = set(session.execute(select(Event.kind)).scalars())
    assert after_hours[0] > 0
    with desk.store.read() as session:
        late_arrears = session.execute(
            select(func.count()).where(Escalation.category == "arrears", col(Escalation.after_hours).is_(True))
        ).scalar_one()
    assert late_arrears > 0  # C6: raised after COB, act at once (S3)
    assert all(len(c) == 10 and c[:9].isdigit() and c[9].isalpha() for c in crns)
    assert {"raised", "claimed", "referred", "finalised"} <= kinds


def test_demo_staff_in_every_role_of_both_channels(desk: Desk) -> None:
    demo.generate(desk, who=OWNER, size=20, seed=1)
    with desk.store.read() as session:
        rows = session.exec(
            select(Staff.role, Staff.w5_group, Centre.channel).join(Centre, Centre.id == Staff.centre_id)
        ).all()
        channels = session.exec(select(Centre.channel, Centre.sp_mailbox)).all()
        first = session.scalars(select(Centre).where(Centre.channel == "smart-centre").order_by(Centre.id)).first()
        logons = {logon: actor_for(session, logon) for logon in ("sp1", "tps1", "so1", "tl1", "sso1", "tps2")}
    roles = {ch: {r for r, _, c in rows if c == ch} for ch in ("smart-centre", "comp-recovery")}
    assert roles["smart-centre"] == {"SO", "TPS", "SP", "SSO", "TL"}
    # Compensation Recovery: its SSOs (Compensation Helpdesk) are the SP's counterpart (I8).
    assert {"SO", "TPS", "SSO", "TL", desk.policy.channels["comp-recovery"].escalate_to} <= roles["comp-recovery"]
    assert all(any(p for r, p, c in rows if r == "TPS" and c == ch) for ch in roles)  # W5 pool in both
    assert all(mailbox.endswith("@example.gov.au") for _, mailbox in channels)  # E5a
    assert first is not None and all(a.centre_id == first.id for a in logons.values())
    assert logons["tps2"].w5_group == "sp-pool" and logons["sp1"].role == "SP"


def test_demo_sites_use_the_policy_site_codes(desk: Desk) -> None:
    from tpsdesk.services.setup import list_sites

    demo.generate(desk, who=OWNER, size=0, seed=1)
    sites = {s.code: s for s in list_sites(desk)}
    policy_sites = desk.policy.builtin_sites
    assert len({s.state for s in sites.values()}) >= 5 and len({s.zone for s in sites.values()}) >= 4
    for code, site in sites.items():
        assert site.zone == policy_sites[code].zone and site.state == policy_sites[code].state


def test_demo_refuses_a_loaded_database_without_reset(desk: Desk, floor) -> None:
    with pytest.raises(ValidationError, match="--reset"):
        demo.generate(desk, who=OWNER, size=10)
    with desk.store.read() as session:
        assert session.exec(select(func.count()).select_from(Staff)).one()[0] == 12  # untouched
    # R7: a floor the demo did not make is deleted only when forced.
    with pytest.raises(ValidationError, match=r"did not create \(2 Centres, 3 sites, 12 staff.*--force"):
        demo.generate(desk, who=OWNER, size=10, reset=True)
    demo.generate(desk, who=OWNER, size=10, reset=True, force=True)
    with desk.store.read() as session:
        assert session.scalars(select(Staff).where(Staff.logon == floor.per_so)).first() is None
        assert session.exec(select(func.count()).select_from(Escalation)).one()[0] == 10


def test_demo_reset_twice_keeps_ids_usable_for_new_rows(desk: Desk) -> None:
    demo.generate(desk, who=OWNER, size=40, seed=1)
    demo.generate(desk, who=OWNER, size=40, seed=1, reset=True)
    v = escalations.raise_escalation(desk, "tps1", category="death", crn="123456789A", summary="after the demo")
    assert v.id == 41


def test_e12_demo_deadline_fields_match_the_domain_schedule(desk: Desk) -> None:
    demo.generate(desk, who=OWNER, size=240, seed=11)
    fields = ("due_at", "after_hours", "next_follow_up_at", "next_action_at", "next_action_kind", "rank", "sort_at")
    with desk.store.read() as session:
        sample = session.exec(select(Escalation).where(col(Escalation.id) % 3 == 0)).scalars().all()
        assert len(sample) == 80
        for esc in sample:
            stored = {f: getattr(esc, f) for f in fields}
            apply_schedule(desk, session, esc)
            assert stored == {f: getattr(esc, f) for f in fields}, esc.id
            if esc.status in ("referred", "awaiting-follow-up"):
                fell_due = esc.next_follow_up_at is not None and esc.next_follow_up_at <= desk.now()
                assert (esc.status == "awaiting-follow-up") == fell_due, esc.id
        session.rollback()


def test_demo_command_loads_then_refuses_then_resets(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    stats = ok_json(run("demo", "--size", "60", "--seed", "4", "--json", db=db))
    assert stats["escalations"] == 60 and stats["staff"] > 0 and "sp1" in stats["logons"]
    fails(run("demo", "--size", "60", db=db), 2, "--reset")
    again = ok_json(run("demo", "--size", "60", "--seed", "4", "--reset", "--json", db=db))
    # The same floor, and one more event: the reset's own (R7).
    assert again == {**stats, "events": stats["events"] + 1}
    listed = ok_json(run("escalation", "list", "--json", db=db, user="sp1"))
    assert listed


def test_demo_bulk_path_gives_the_same_rows_and_keeps_every_index(desk: Desk, other_desk: Desk) -> None:
    """Large loads (one transaction, indexes rebuilt, a generator process) store what the chunked path does."""
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    with desk.store.read() as session:
        before = session.connection().exec_driver_sql(query).all()
    demo.generate(desk, who=OWNER, size=25, seed=9, bulk=True)
    demo.generate(other_desk, who=OWNER, size=25, seed=9, bulk=False)
    assert _dump(desk) == _dump(other_desk)
    with desk.store.read() as session:
        conn = session.connection()
        assert conn.exec_driver_sql(query).all() == before
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_demo_bulk_path_with_several_chunks(desk: Desk, other_desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "CHUNK", 40)  # several chunks: the generator runs in its own process
    demo.generate(desk, who=OWNER, size=130, seed=5, bulk=True)
    demo.generate(other_desk, who=OWNER, size=130, seed=5, bulk=False)
    assert _dump(desk) == _dump(other_desk)


def test_r7_demo_hint_on_a_shared_floor_never_suggests_user() -> None:
    """R7: on PostgreSQL the login is the person; the demo's hint must not suggest --user,
    which would be refused, and on a SQLite file it does."""
    from datetime import UTC, datetime

    from tpsdesk.demo import DemoStats

    now = datetime(2026, 9, 1, tzinfo=UTC)
    assert "--user" not in DemoStats(seed=1, now=now, shared=True).text()
    assert "staff login" in DemoStats(seed=1, now=now, shared=True).text()
    assert "--user sp1" in DemoStats(seed=1, now=now, shared=False).text()
