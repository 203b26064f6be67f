"""The demo floor (issue 2 item 7): Centres of both channels, staff in every role,
and escalations of every category and status with contacts, stop-payment DOCs,
notes and history, all relative to ``desk.now()`` so that "overdue" means
something today.

Deterministic: the same seed and the same clock give the same rows (each chunk
has its own generator seeded from ``(seed, chunk)``). Rows go in with SQLAlchemy
Core ``insert()`` executemany, one transaction per chunk, so memory stays bounded
and a million escalations load in about a minute on SQLite. Deadline fields are
derived by ``tpsdesk.services.common.refresh_deadlines`` itself (E12, S3).
"""

from __future__ import annotations

import multiprocessing as mp
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, select, text
from sqlmodel import Session

from tpsdesk.bulk import Batches, FastInsert, sqlite_bulk
from tpsdesk.demo_rows import CONTACT_T, DOC_T, ESC_T, EVENT_T, NOTE_T, TABLES, Chunk, Floor
from tpsdesk.errors import ValidationError
from tpsdesk.models import (
    Centre,
    Contact,
    Escalation,
    Event,
    Feedback,
    Note,
    Outbox,
    Site,
    Staff,
    StopPaymentDoc,
)
from tpsdesk.services.common import Desk

CHUNK = 5_000
CACHE_KIB = 64 * 1024  # SQLite page cache during a bulk load
BULK_FROM = 50_000
# Centres: code, name, channel, SP positional mailbox (E5a), sites (policy [sites] codes).
CENTRES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("PCC", "Parramatta Smart Centre", "smart-centre", "sp.pcc@example.gov.au", ("SYD", "PER", "ADL")),
    ("GSC", "Geelong Smart Centre", "smart-centre", "sp.gsc@example.gov.au", ("MEL", "HBA")),
    ("CRC", "Compensation Recovery Brisbane", "comp-recovery", "helpdesk.crc@example.gov.au", ("BNE", "DRW", "CBR")),
)
# Logon prefix per site: the first sites get the short logons the README names (sp1, crsso1).
PREFIX = {"SYD": "", "BNE": "cr"}
# Staff per site and role; comp-recovery's SSOs of the Compensation Helpdesk work escalations.
ROLE_COUNTS = {
    "smart-centre": (("TL", 1), ("SO", 5), ("TPS", 3), ("SP", 2), ("SSO", 1)),
    "comp-recovery": (("TL", 1), ("SO", 4), ("TPS", 3), ("SSO", 2)),
}
POOL_TPS = 2  # tps2 at each site is in the SP development pool (W5)
FIRST = ("Sue", "Terry", "Sam", "Tina", "Sid", "Pat", "Ava", "Noah", "Mia", "Leo", "Zoe", "Eli", "Ruby", "Jack", "Isla")
LAST = ("Senior", "Peer", "Officer", "Lead", "Support", "Pool", "Nguyen", "Smith", "Patel", "Kelly", "Brown", "Wong")
BULK_TABLES = (CONTACT_T, DOC_T, ESC_T, NOTE_T, EVENT_T)
# Delete order: children before parents (FK-safe).
RESET_ORDER = (Outbox, Feedback, Event, Note, Escalation, StopPaymentDoc, Contact, Staff, Site, Centre)


@dataclass
class DemoStats:
    """What was loaded; printed by ``tpsdesk demo``."""

    seed: int
    now: datetime
    centres: int = 0
    sites: int = 0
    staff: int = 0
    escalations: int = 0
    contacts: int = 0
    docs: int = 0
    notes: int = 0
    events: int = 0
    overdue: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    logons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["now"] = self.now.isoformat()
        return out

    def text(self) -> str:
        return (
            f"demo floor loaded (seed {self.seed}, as of {self.now:%Y-%m-%d %H:%M} UTC): "
            f"{self.centres} Centres, {self.sites} sites, {self.staff} staff, {self.escalations} escalations "
            f"({self.overdue} overdue), {self.contacts} contacts, {self.docs} stop-payment DOCs, "
            f"{self.notes} notes, {self.events} history events.\n"
            f"Try: tpsdesk --user sp1 escalation list   (also tps1, so1, tl1, sso1, crsso1, crtl1)"
        )


# ---------------------------------------------------------------- entry point
def generate(
    desk: Desk,
    size: int = 300,
    seed: int = 1,
    reset: bool = False,
    progress: Callable[[int, int], None] | None = None,
    *,
    bulk: bool | None = None,
) -> DemoStats:
    """Load the demo floor with ``size`` escalations (deterministic for ``seed`` and the clock).

    ``bulk`` (default: from ``BULK_FROM`` escalations on SQLite) loads in one transaction with
    the indexes rebuilt at the end; otherwise one transaction per chunk. The rows are the same.
    """
    if size < 0:
        raise ValidationError("size", "the number of escalations cannot be negative")
    now = desk.now().astimezone(UTC).replace(microsecond=0)
    with desk.store.write() as session:
        conn = session.connection()
        if reset:
            for model in RESET_ORDER:
                conn.execute(delete(cast(Table, model.__table__)))
        else:
            _refuse_if_loaded(conn)
        floor = _load_floor(desk, session, now, seed)
    stats = DemoStats(seed=seed, now=now, logons=floor.logons)
    ids = _next_ids(desk)
    fast = desk.store.is_sqlite and (size >= BULK_FROM if bulk is None else bulk)
    for chunk, start in enumerate(range(0, size, CHUNK)) if not fast else ():
        with desk.store.write() as session:
            _chunk(floor, seed, chunk, start, size, ids).insert(session.connection())
        progress and progress(min(start + CHUNK, size), size)
    if fast:
        with sqlite_bulk(desk.store, [t.name for t in BULK_TABLES], CACHE_KIB) as conn:
            write = FastInsert(conn, TABLES)
            for done, batches in _generated(floor, seed, size, ids):
                write(batches)
                progress and progress(done, size)
    _fix_sequences(desk)
    _count(desk, stats)
    return stats


def _chunk(floor: Floor, seed: int, chunk: int, start: int, size: int, ids: dict[str, int]) -> Chunk:
    """Rows of escalations ``start`` .. ``start + CHUNK``; each chunk has its own generator."""
    rows = Chunk(floor, random.Random(f"tpsdesk-demo:{seed}:{chunk}"), ids)
    for i in range(start, min(start + CHUNK, size)):
        rows.escalation(i)
    return rows


def _generated(floor: Floor, seed: int, size: int, ids: dict[str, int]) -> Iterator[tuple[int, Batches]]:
    """Chunks in order, generated by a second process while this one writes (2 cores: about
    half the time); in this process where ``fork`` is not available. Same rows either way."""
    starts = range(0, size, CHUNK)
    if "fork" not in mp.get_all_start_methods() or len(starts) < 2:
        for chunk, start in enumerate(starts):
            yield min(start + CHUNK, size), _chunk(floor, seed, chunk, start, size, ids).batches()
        return
    ctx = mp.get_context("fork")
    queue: Any = ctx.Queue(maxsize=2)  # bounded: memory stays a few chunks
    worker = ctx.Process(target=_produce, args=(queue, floor, seed, size, ids), daemon=True)
    worker.start()
    try:
        for start in starts:
            item = queue.get(timeout=600)
            if isinstance(item, str):
                raise RuntimeError(f"the demo row generator failed: {item}")
            yield min(start + CHUNK, size), item
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def _produce(queue: Any, floor: Floor, seed: int, size: int, ids: dict[str, int]) -> None:
    """The generator process: it never touches the database (its inherited pool is let go)."""
    floor.desk.store.engine.dispose(close=False)
    try:
        for chunk, start in enumerate(range(0, size, CHUNK)):
            queue.put(_chunk(floor, seed, chunk, start, size, ids).batches())
    except BaseException as exc:  # reported to the writer, which rolls everything back
        queue.put(f"{type(exc).__name__}: {exc}")


def _refuse_if_loaded(conn: Connection) -> None:
    staff = conn.execute(select(func.count()).select_from(cast(Table, Staff.__table__))).scalar_one()
    centres = conn.execute(select(func.count()).select_from(cast(Table, Centre.__table__))).scalar_one()
    if staff or centres:
        raise ValidationError(
            "reset",
            f"the database already holds a floor ({centres} Centres, {staff} staff): run 'tpsdesk demo --reset' to "
            "delete everything in it and load the demo, or use --db with a new file",
        )


def _next_ids(desk: Desk) -> dict[str, int]:
    """Ids are assigned here so that notes and events can point at their rows without RETURNING."""
    out = {}
    with desk.store.read() as session:
        conn = session.connection()
        for table in (ESC_T, NOTE_T, EVENT_T, CONTACT_T, DOC_T):
            out[table.name] = int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    return out


def _fix_sequences(desk: Desk) -> None:
    """PostgreSQL: explicit ids do not move the serial sequences; move them past the rows."""
    if desk.store.is_sqlite:
        return
    with desk.store.write() as session:
        for model in RESET_ORDER:
            name = cast(Table, model.__table__).name
            session.connection().execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {name}), 1), (SELECT MAX(id) FROM {name}) IS NOT NULL)"
                )
            )


def _count(desk: Desk, stats: DemoStats) -> None:
    with desk.store.read() as session:
        conn = session.connection()

        def n(model: Any) -> int:
            return int(conn.execute(select(func.count()).select_from(cast(Table, model.__table__))).scalar_one())

        stats.centres, stats.sites, stats.staff = n(Centre), n(Site), n(Staff)
        stats.escalations, stats.contacts, stats.docs, stats.notes, stats.events = (
            n(Escalation), n(Contact), n(StopPaymentDoc), n(Note), n(Event)
        )  # fmt: skip
        stats.by_status = {s: c for s, c in conn.execute(select(ESC_T.c.status, func.count()).group_by(ESC_T.c.status))}
        stats.by_category = {
            k: c for k, c in conn.execute(select(ESC_T.c.category, func.count()).group_by(ESC_T.c.category))
        }
        stats.overdue = int(
            conn.execute(
                select(func.count()).where(ESC_T.c.closed.is_(False), ESC_T.c.next_action_at < stats.now)
            ).scalar_one()
        )


# ---------------------------------------------------------------- the floor
def _load_floor(desk: Desk, session: Session, now: datetime, seed: int) -> Floor:
    conn = session.connection()
    rng = random.Random(f"tpsdesk-demo-floor:{seed}")
    policy_sites = desk.policy.sites()
    site_rows: list[dict[str, Any]] = []
    staff_rows: list[dict[str, Any]] = []
    cid = conn.execute(select(func.coalesce(func.max(Centre.__table__.c.id), 0))).scalar_one()  # type: ignore[attr-defined]
    sid = conn.execute(select(func.coalesce(func.max(Site.__table__.c.id), 0))).scalar_one()  # type: ignore[attr-defined]
    pid = conn.execute(select(func.coalesce(func.max(Staff.__table__.c.id), 0))).scalar_one()  # type: ignore[attr-defined]
    centre_rows = []
    for code, name, channel, mailbox, codes in CENTRES:
        cid += 1
        centre_rows.append(
            {"id": cid, "code": code, "name": name, "channel": channel, "sp_mailbox": mailbox, "version": 1}
        )
        for site_code in codes:
            sid += 1
            info = policy_sites.get(site_code, {})
            site_rows.append(
                {
                    "id": sid, "code": site_code, "name": info.get("name", site_code), "centre_id": cid,
                    "zone": info.get("zone", desk.policy.section("business").get("default_zone", "Australia/Sydney")),
                    "state": info.get("state", "NSW"), "open_time": desk.policy.open_time.strftime("%H:%M"),
                    "cob_time": desk.policy.cob_time.strftime("%H:%M"), "extra_holidays": "", "removed_holidays": "",
                    "version": 1,
                }
            )  # fmt: skip
            prefix = PREFIX.get(site_code, site_code.lower() + ".")
            tl_id: int | None = None
            for role, count in ROLE_COUNTS[channel]:
                for k in range(1, count + 1):
                    pid += 1
                    logon = f"{prefix}{role.lower()}{k}"
                    staff_rows.append(
                        {
                            "id": pid, "logon": logon, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "role": role,
                            "centre_id": cid, "site_id": sid,
                            "team_leader_id": tl_id if role in ("SO", "TPS") else None,
                            "sp_pool": role == "TPS" and k == POOL_TPS, "email": f"{logon}@example.gov.au",
                            "active": True, "version": 1,
                        }
                    )  # fmt: skip
                    if role == "TL" and tl_id is None:
                        tl_id = pid
    conn.execute(cast(Table, Centre.__table__).insert(), centre_rows)
    conn.execute(cast(Table, Site.__table__).insert(), site_rows)
    conn.execute(cast(Table, Staff.__table__).insert(), staff_rows)
    sites = {s.id or 0: s for s in session.exec(select(Site).where(Site.id > site_rows[0]["id"] - 1)).scalars()}  # type: ignore[call-overload]
    session.expunge_all()
    channel_of = {c["id"]: c["channel"] for c in centre_rows}
    floor = Floor(desk, now, sites, {s.id or 0: channel_of[s.centre_id] for s in sites.values()}, {}, {}, {}, [])
    for row in staff_rows:
        floor.staff.setdefault((row["site_id"], row["role"]), []).append(row["id"])
        floor.names[row["id"]] = (row["logon"], row["name"])
        floor.logons.append(row["logon"])
        value = desk.policy.permission(channel_of[row["centre_id"]], row["role"], "work")
        if value == "yes" or (value == "pool" and row["sp_pool"]):
            floor.workers.setdefault(row["centre_id"], []).append(row["id"])
    return floor
