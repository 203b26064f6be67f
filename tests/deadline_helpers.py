"""Helpers shared by the deadline tests: compute from site-local text, compare in local ISO."""

from __future__ import annotations

from datetime import datetime

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.deadlines import DueResult, compute
from tpsdesk.policy import Policy


def iso(cal: SiteCalendar, instant: datetime | None) -> str | None:
    return None if instant is None else instant.astimezone(cal.tz).isoformat(timespec="minutes")


def isos(cal: SiteCalendar, instants: list[datetime]) -> list[str | None]:
    return [iso(cal, i) for i in instants]


def run(policy: Policy, category: str, site: SiteCalendar, at: str, **kw) -> DueResult:
    """Compute for a naive site-local ``at`` (and naive site-local referred/last follow-up)."""
    for key in ("referred_at", "last_follow_up_at", "actioned_at", "contact_at"):
        if isinstance(kw.get(key), str):
            kw[key] = site.parse(kw[key])
    return compute(policy.categories[category], site.parse(at), site, explain=True, **kw)
