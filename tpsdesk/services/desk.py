"""The context every service call takes: where the data is, the rules, the time,
and the site calendars (C2, C3), cached per site version."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.calendars import build_calendar
from tpsdesk.clock import Clock, system_clock
from tpsdesk.models import Site
from tpsdesk.policy import Policy, default_policy
from tpsdesk.store import Store


@dataclass
class Desk:
    store: Store
    policy: Policy = field(default_factory=default_policy)
    clock: Clock = system_clock
    _calendars: dict[tuple[int, int], SiteCalendar] = field(default_factory=dict, repr=False)

    def now(self) -> datetime:
        return self.clock()

    def calendar(self, site: Site) -> SiteCalendar:
        """The site's business calendar (C2, C3), cached per site version."""
        key = (site.id or 0, site.version or 0)
        cal = self._calendars.get(key)
        if cal is None:
            cal = site_calendar(site, self.policy)
            self._calendars[key] = cal
        return cal


def open_desk(url: str | None = None, *, create_if_empty: bool = False) -> Desk:
    """A desk on the database at ``url`` (else the default) at this version's schema.

    ``create_if_empty`` gives an empty database its schema (the app's first run); an older
    schema is refused with "run 'tpsdesk db upgrade'" (``Store.require_current``).
    """
    store = Store(url)
    store.require_current(create_if_empty=create_if_empty)
    return Desk(store)


def site_calendar(site: Site, policy: Policy) -> SiteCalendar:
    """A database site's calendar (C2, C3) from the one builder: the row's zone, state, hours
    and own dates over the policy's site of the same code and the policy's per-state changes."""
    return build_calendar(
        policy,
        code=site.code,
        zone_name=site.zone,
        state=site.state,
        open_time=site.open_time,
        cob_time=site.cob_time,
        extra=site.extra_holidays,
        removed=site.removed_holidays,
    )
