"""E12, E13, S3: from an item's plain facts to its due time, next follow-up, the
indexed ``next_action_at`` with what that next action is, and its queue rank.

Wraps the deadline computations (``tpsdesk.deadlines``); every path that writes
an escalation (services, intake, the demo generator) asks ``plan``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.deadlines import DueResult, compute
from tpsdesk.domain.facts import Item
from tpsdesk.domain.vocab import REFERRED_STATUSES, NextAction
from tpsdesk.policy import Policy

# Queue order (S3): urgent arrears first until ICT is asked, then after-hours, then the rest.
RANK_URGENT, RANK_AFTER_HOURS, RANK_NORMAL, RANK_CLOSED = 0, 1, 2, 3
# An open item has one of these ranks and sorts at its next action (``plan``); a closed one
# ranks RANK_CLOSED at FAR_FUTURE. Queue reads rely on it: open = rank in OPEN_RANKS,
# overdue = open and sort_at before now, each a range of a queue-ordered index.
OPEN_RANKS = (RANK_URGENT, RANK_AFTER_HOURS, RANK_NORMAL)
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
# Before every sort time (years are checked to lie far after it): the lower bound that makes
# "overdue" a two-sided range, which SQLite's planner prices as the narrow range it is.
FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Schedule:
    due: datetime | None  # the earliest unmet deadline
    after_hours: bool  # C6: raised after COB or on a non-business day
    next_follow_up: datetime | None
    next_action_at: datetime | None  # E12: indexed; None only when finalised (E13)
    next_action: NextAction
    rank: int
    sort_at: datetime
    result: DueResult  # the deadlines and the working (C8)
    rule: str  # the rule that sets the next action

    @property
    def urgent(self) -> bool:
        return self.rank == RANK_URGENT


def follow_ups_run(policy: Policy, item: Item) -> bool:
    """E2's reviews run while open; E3's after the first action; E9 and E10 while referred."""
    if item.closed:
        return False
    anchor = policy.categories[item.category].followup.anchor
    if anchor == "referred":
        return item.status in REFERRED_STATUSES
    return True


def plan(
    policy: Policy, cal: SiteCalendar, item: Item, *, explain: bool = False, viewer: ZoneInfo | None = None
) -> Schedule:
    """Everything the queue, calendar and overdue lookup need of one item."""
    category = policy.categories[item.category]
    result = compute(
        category,
        item.raised_at,
        cal,
        referred_at=item.referred_at,
        eped=item.eped,
        actioned_at=item.actioned_at,
        last_follow_up_at=item.last_follow_up_at,
        finalised=item.closed,
        open_follow_ups=follow_ups_run(policy, item),
        explain=explain,
        viewer=viewer,
        contact_at=item.contact_at,
        reported_at=item.reported_at,
        ict_requested_at=item.ict_requested_at,
        referral_target=item.referral_target,
    )
    follow_up = result.follow_ups[0] if result.follow_ups else None
    if item.closed:
        return Schedule(
            result.due, result.after_hours, None, None, NextAction.NONE, RANK_CLOSED, FAR_FUTURE, result, ""
        )
    next_at = result.next_action_at
    kind, rule = _kind(policy, item, result, follow_up)
    if next_at is None:
        next_at, kind, rule = _progress_check(policy, cal, item, result, viewer)
    urgent = category.urgent and result.due is not None  # S3: until the ICT request is recorded
    if urgent:
        rank = RANK_URGENT
    elif result.after_hours and result.due is not None:
        rank = RANK_AFTER_HOURS
    else:
        rank = RANK_NORMAL
    return Schedule(result.due, result.after_hours, follow_up, next_at, kind, rank, next_at, result, rule)


def _kind(policy: Policy, item: Item, result: DueResult, follow_up: datetime | None) -> tuple[NextAction, str]:
    due = result.due
    if due is not None and (follow_up is None or due <= follow_up):
        unmet = next(d for d in result.deadlines if not d.met and d.at == due)
        if unmet.kind == "date" and unmet.id == "finalise":
            return NextAction.FINALISE_ON, unmet.rule  # E4: "finalise on"
        return NextAction.DUE, unmet.rule
    if follow_up is not None:
        fu = policy.categories[item.category].followup
        return (NextAction.REVIEW if fu.kind == "review" else NextAction.FOLLOW_UP), fu.rule
    return NextAction.NONE, ""


def _progress_check(
    policy: Policy, cal: SiteCalendar, item: Item, result: DueResult, viewer: ZoneInfo | None
) -> tuple[datetime, NextAction, str]:
    """E13: no open item without a date. A progress check at the E9 interval after the
    last recorded action; in comp-recovery it is D4's record update, met only by one."""
    kind = policy.progress_checks[item.channel]
    progress = policy.progress
    if kind is NextAction.RECORD_UPDATE:
        base = item.record_updated_at or item.raised_at
        rule = "D4"
        words = "record update (D4: the customer's record is updated regularly)"
    else:
        base = max(t for t in (item.last_action_at, item.actioned_at, item.raised_at) if t is not None)
        rule = progress.rule
        words = "progress check"
    at = cal.add_days(base, progress.days)
    if result.explain:
        result.explain.append(
            f"no deadline or follow-up of its own: {words} {progress.days} days after "
            f"{cal.fmt(base, viewer)}, due {cal.fmt(at, viewer)} ({progress.rule})"
        )
    return at, kind, rule
