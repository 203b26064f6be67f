"""What the queue's filters select (R1, R4, R5, W5, E12, S3), decided once for every reader.

The queue screen, ``tpsdesk escalation list``, the calendar feed's narrowing and the direct
read path (``tpsdesk.quickread``) all ask :func:`select` which rows a set of :class:`Filters`
means, and each turns the answer into its own SQL: the services into SQLAlchemy
(``services.escalations._filtered``), the direct path into ``sqlite3`` text. Neither decides
what "open", "overdue" or "awaiting follow-up" is.

Every condition is a range of an index in queue order (rank, sort_at, id): open items are
the ranks in ``schedule.OPEN_RANKS`` and an open item sorts at its next action
(``schedule.plan``), so "open" and "overdue" are written on rank and sort_at. An IN list on
rank keeps the index order, so a page, End and the count never walk the closed items or
the ones not yet due. Owner and site filters compare ids (a lookup by logon or code), never
through the view's joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tpsdesk.domain import access
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.schedule import OPEN_RANKS
from tpsdesk.domain.vocab import ALL_FILTER, OPEN_FILTER, REFERRED_STATUSES, Status
from tpsdesk.policy import Policy


@dataclass
class Filters:
    """What the queue shows. ``status`` may be ``open`` (default), a status, or ``all``."""

    status: str = OPEN_FILTER
    category: str | None = None
    owner: str | None = None  # a logon, or "none" for unclaimed
    mine: bool = False
    overdue: bool = False
    site: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class StaffLogon:
    """The id of the staff member with this logon (a lookup the reader makes in SQL)."""

    logon: str


@dataclass(frozen=True, slots=True)
class SiteCode:
    """The id of the site with this code (a lookup the reader makes in SQL)."""

    code: str


Op = Literal["=", "in", "<", "<=", "null"]
Value = int | str | datetime | tuple[int, ...] | tuple[str, ...] | StaffLogon | SiteCode | None


@dataclass(frozen=True, slots=True)
class Cond:
    """``escalation.<column> <op> <value>``; ``null`` is ``IS NULL`` (no value)."""

    column: str
    op: Op
    value: Value = None


@dataclass(frozen=True, slots=True)
class Selection:
    """Which rows: those the actor may see (``scope``), meeting every condition, in order."""

    scope: access.Scope
    conditions: tuple[Cond, ...]
    text: str | None  # the text search, which each backend answers with its own index


@dataclass(frozen=True, slots=True)
class BadFilter:
    """A filter value nobody can select by, and what to use instead."""

    field: str
    text: str


def narrowing(actor: Actor, f: Filters) -> tuple[Cond, ...]:
    """The owner and site filters (``mine``, ``owner``, ``site``): they only narrow what the
    actor may see (R1, R5), so the queue and the calendar feed share them."""
    out: list[Cond] = []
    if f.mine:
        out.append(Cond("owner_id", "=", actor.id))
    elif f.owner == "none":
        out.append(Cond("owner_id", "null"))
    elif f.owner:
        out.append(Cond("owner_id", "=", StaffLogon(f.owner)))
    if f.site:
        out.append(Cond("site_id", "=", SiteCode(f.site)))
    return tuple(out)


def select(policy: Policy, actor: Actor, f: Filters, now: datetime) -> Selection | BadFilter:
    """The rows ``f`` selects for ``actor`` at ``now``, or why the filter cannot be used."""
    conditions: list[Cond] = []
    if f.status == OPEN_FILTER or f.overdue:
        conditions.append(Cond("rank", "in", tuple(OPEN_RANKS)))
    if f.status in (OPEN_FILTER, ALL_FILTER):
        pass
    elif f.status == Status.AWAITING_FOLLOW_UP:  # referred, and its follow-up date has come (E12)
        conditions.append(Cond("status", "in", tuple(s.value for s in REFERRED_STATUSES)))
        conditions.append(Cond("next_follow_up_at", "<=", now))
    elif f.status in {s.value for s in Status}:
        conditions.append(Cond("status", "=", f.status))
    else:
        names = ", ".join(s.value for s in Status)
        return BadFilter("status", f"unknown status {f.status!r}: use open, {names} or all")
    if f.category:
        if f.category not in policy.categories:
            return BadFilter("category", f"unknown category {f.category!r}: use one of {', '.join(policy.categories)}")
        conditions.append(Cond("category", "=", f.category))
    conditions.extend(narrowing(actor, f))
    if f.overdue:
        conditions.append(Cond("sort_at", "<", now))  # the next action has passed (E12)
    return Selection(access.scope(policy, actor), tuple(conditions), f.text or None)
