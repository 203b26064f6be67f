"""The read commands' direct path on a SQLite floor: the driver, no ORM, no alembic.

``tpsdesk overdue`` is run from scripts and status bars many times an hour; loading
SQLAlchemy, SQLModel and pydantic costs ten times its query. This path answers it with
Python's ``sqlite3`` and the same decisions as the service:

- who may see what is the domain's ``access.scope`` (R1, R4, W5), the same object the
  service turns into SQL;
- the order is the service's (urgent arrears first, S3; then by next action, E12), read
  from the same indexes (an open item sorts at its next action, ``schedule.plan``);
- the rows become the same ``EscalationView`` the service returns, so the output is
  printed by the same code. ``tests/test_quickread.py`` checks both paths print the same.

It answers only when it is sure: anything unusual (another backend, a schema that is
not this version's, a file that is not private, an unknown or inactive user, a text
filter) returns None and the command takes the full path, which says what is wrong.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from tpsdesk.dburl import busy_timeout_ms, os_login, resolve_url, sqlite_file
from tpsdesk.domain import access, queue
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.schedule import RANK_URGENT
from tpsdesk.domain.vocab import Channel, Role, W5Group
from tpsdesk.migrations import HEAD
from tpsdesk.policy import Policy, load_policy
from tpsdesk.services.views import EscalationView

# The view's columns in EscalationView's order, then the joined names.
COLUMNS = (
    "e.id", "e.category", "e.crn", "e.summary", "e.status", "c.code", "s.code", "o.logon", "o.name", "r.logon",
    "e.raised_at", "e.due_at", "e.after_hours", "e.next_follow_up_at", "e.next_action_at", "e.referral_target",
    "e.referral_ref", "e.service_first", "e.nnu_ref", "e.eped", "e.final_reason", "e.finalised_at", "e.version",
    "e.rank", "e.sort_at", "s.zone", "e.next_action_kind",
)  # fmt: skip
FROM = (
    "FROM escalation e JOIN centre c ON c.id = e.centre_id JOIN site s ON s.id = e.site_id "
    "JOIN staff r ON r.id = e.raised_by_id LEFT JOIN staff o ON o.id = e.owner_id"
)
T = TypeVar("T")
INSTANTS = {"raised_at", "due_at", "next_follow_up_at", "next_action_at", "finalised_at", "sort_at"}


@dataclass(frozen=True)
class Floor:
    """An open SQLite floor at this version's schema, and who is reading it."""

    conn: sqlite3.Connection
    policy: Policy
    actor: Actor
    now: datetime
    zones: dict[str, str]  # site code -> IANA zone (C9)
    viewer_zone: str


def _stamp(when: datetime) -> str:
    """An instant as the store writes it on SQLite (naive UTC, microseconds), to compare in SQL."""
    return when.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _instant(raw: Any) -> datetime | None:
    return None if raw is None else datetime.fromisoformat(str(raw)).replace(tzinfo=UTC)


def _private(path: str) -> bool:
    """The file the full path would open without a word: the OS user's, open to nobody else (R7)."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or info.st_uid == getuid()
    return stat.S_ISREG(info.st_mode) and owned and not stat.S_IMODE(info.st_mode) & 0o077


def _actor(conn: sqlite3.Connection, logon: str) -> Actor | None:
    row = conn.execute(
        "SELECT st.id, st.logon, st.name, st.role, st.centre_id, st.site_id, c.channel, st.w5_group, st.active "
        "FROM staff st JOIN centre c ON c.id = st.centre_id WHERE st.logon = ?",
        (logon,),
    ).fetchone()
    if row is None or not row[8]:
        return None  # the full path says who is unknown or inactive
    sid, logon, name, role, centre_id, site_id, channel, w5, _active = row
    return Actor(sid, logon, name, Role(role), centre_id, site_id, Channel(channel), W5Group(w5))


@contextmanager
def floor(db: str | None, user: str | None, now: datetime) -> Iterator[Floor | None]:
    """The floor read directly, or None when the full path must answer."""
    path = sqlite_file(resolve_url(db))
    if path is None or not _private(path):
        yield None
        return
    logon = (user or os.environ.get("TPSDESK_USER") or "").strip() or os_login()
    wait = busy_timeout_ms() / 1000  # a bad setting is refused here as on the full path
    conn = sqlite3.connect(path, timeout=wait)
    try:
        try:
            opened = _opened(conn, logon, now)
        except sqlite3.Error:  # damaged, locked, not a tpsdesk file: the full path says which
            opened = None
        yield opened
    finally:
        conn.close()


def _opened(conn: sqlite3.Connection, logon: str, now: datetime) -> Floor | None:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    version = (
        conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in tables else None
    )
    actor = _actor(conn, logon) if version is not None and version[0] == HEAD else None
    if actor is None:
        return None
    zones = {code: z for code, z in conn.execute("SELECT code, zone FROM site")}
    viewer = conn.execute("SELECT zone FROM site WHERE id = ?", (actor.site_id,)).fetchone()
    return Floor(conn, load_policy(), actor, now, zones, str(viewer[0]) if viewer else "")


def answer(f: Floor | None, read: Callable[[Floor], T]) -> T | None:
    """``read(f)``, or None when there is no floor or the read fails in the database (a lock
    held too long, a damaged page): the full path then answers, or says what is wrong."""
    if f is None:
        return None
    try:
        return read(f)
    except sqlite3.Error:
        return None


def _visible(f: Floor, sc: access.Scope | None = None) -> tuple[str, list[Any]]:
    """R1, R4, W5: the domain's scope as a WHERE clause, as the service writes it."""
    sc = sc or access.scope(f.policy, f.actor)
    if sc.whole_centre:
        return "e.centre_id = ?", [sc.centre_id]
    return "(e.raised_by_id = ? OR e.owner_id = ?)", [sc.actor_id, sc.actor_id]


def _view(row: tuple[Any, ...]) -> EscalationView:
    names = [c.split(".")[1] for c in COLUMNS]
    values: dict[str, Any] = {}
    for key, name, raw in zip(EscalationView.__dataclass_fields__, names, row, strict=False):
        if name in INSTANTS:
            values[key] = _instant(raw)
        elif name == "eped":
            values[key] = None if raw is None else date.fromisoformat(str(raw))
        elif name == "after_hours":
            values[key] = bool(raw)
        else:
            values[key] = raw
    return EscalationView(**values)


def overdue(f: Floor, limit: int) -> list[EscalationView]:
    """``escalations.overdue`` without text: urgent arrears first (S3), then most overdue (E12)."""
    where, params = _visible(f)
    now = _stamp(f.now)
    select = f"SELECT {', '.join(COLUMNS)} {FROM} WHERE {where}"
    urgent = f.conn.execute(
        f"{select} AND e.rank = ? AND e.sort_at < ? ORDER BY e.sort_at, e.id LIMIT ?",
        [*params, RANK_URGENT, now, limit],
    ).fetchall()
    rows = list(urgent)
    if len(rows) < limit:
        rest = f.conn.execute(
            f"{select} AND e.closed = 0 AND e.next_action_at < ? AND e.rank != ? "
            "ORDER BY e.next_action_at, e.id LIMIT ?",
            [*params, now, RANK_URGENT, limit - len(rows)],
        ).fetchall()
        rows += rest
    return [_view(r) for r in rows]


def _param(value: Any) -> Any:
    """A condition's value as the store keeps it on SQLite."""
    if isinstance(value, datetime):
        return _stamp(value)
    if isinstance(value, str):
        return str(value)  # a StrEnum member as its plain text
    return value


def _condition(c: queue.Cond) -> tuple[str, list[Any]]:
    """One of the domain's conditions (``domain.queue``) as ``sqlite3`` text, as the service's
    ``_sql`` writes it in SQLAlchemy."""
    if not c.column.isidentifier():
        raise ValueError(f"not a column: {c.column!r}")
    column, value = f"e.{c.column}", c.value
    if c.op == "null":
        return f"{column} IS NULL", []
    if c.op == "in":
        assert isinstance(value, tuple)
        return f"{column} IN ({', '.join('?' * len(value))})", [_param(v) for v in value]
    if isinstance(value, queue.StaffLogon):
        return f"{column} {c.op} (SELECT id FROM staff WHERE logon = ?)", [value.logon]
    if isinstance(value, queue.SiteCode):
        return f"{column} {c.op} (SELECT id FROM site WHERE code = ?)", [value.code]
    return f"{column} {c.op} ?", [_param(value)]


def queue_page(f: Floor, filters: queue.Filters, limit: int) -> list[EscalationView] | None:
    """``escalations.list_page`` from the top: the rows ``domain.queue.select`` chooses, in queue
    order (S3: rank, then next action). None (the full path answers) for a text search, a filter
    the domain refuses, or an owner or site that does not exist (the full path says so)."""
    chosen = queue.select(f.policy, f.actor, filters, f.now)
    if isinstance(chosen, queue.BadFilter) or chosen.text:
        return None
    if filters.site and filters.site not in f.zones:
        return None
    known = "SELECT 1 FROM staff WHERE logon = ?"
    if filters.owner and filters.owner != "none" and f.conn.execute(known, (filters.owner,)).fetchone() is None:
        return None
    where, params = _visible(f, chosen.scope)
    parts = [where]
    for c in chosen.conditions:
        text, values = _condition(c)
        parts.append(text)
        params += values
    rows = f.conn.execute(
        f"SELECT {', '.join(COLUMNS)} {FROM} WHERE {' AND '.join(parts)} ORDER BY e.rank, e.sort_at, e.id LIMIT ?",
        [*params, max(1, min(limit, 1000))],
    ).fetchall()
    return [_view(r) for r in rows]
