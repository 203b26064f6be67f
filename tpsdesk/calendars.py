"""The one builder of a site's business calendar (C2, C3).

Every path that needs a site's calendar comes here: a built-in site of the
policy's ``[sites]`` table, a site row of the database, or a bare state and
zone (``tpsdesk due --state``). Plain values in, a cached ``SiteCalendar`` out;
no database and no Textual, so ``tpsdesk due`` stays light.

C3: a site may add or remove dates. They come in layers, each one overriding
the layers under it for the dates it names:

1. the state's public holidays (the ``holidays`` package, in ``SiteCalendar``);
2. the policy's per-state changes, ``[business.extra_holidays]`` and
   ``[business.removed_holidays]``;
3. the policy's own site of that code, ``[sites.CODE] extra_holidays`` and
   ``removed_holidays`` (so a database site with the code of a built-in site
   keeps the built-in site's changes);
4. the site's own dates (the database row's, set by ``tpsdesk site holidays``).

So a site that adds a date its state removed keeps it as a holiday, and a site
that removes a date its state added works that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from functools import lru_cache
from typing import TYPE_CHECKING

from tpsdesk.businesstime import SiteCalendar, parse_clock
from tpsdesk.errors import ValidationError

if TYPE_CHECKING:
    from tpsdesk.policy import Policy

DateLike = date | str


def parse_dates(values: Iterable[DateLike] | str | None, key: str) -> frozenset[date]:
    """ISO dates (or date values) as a set; ``values`` may be comma-separated text (a database row).

    A bad date raises ValidationError naming ``key``.
    """
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [part for part in values.split(",") if part.strip()]
    out: set[date] = set()
    for value in values:
        if isinstance(value, date):
            out.add(value)
            continue
        try:
            out.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise ValidationError(key, f"{value!r} is not a date like 2026-12-24") from None
    return frozenset(out)


def dates_text(days: Iterable[date]) -> str:
    """The stored form of a site row's dates: sorted ISO dates, comma-separated (C3)."""
    return ",".join(d.isoformat() for d in sorted(days))


def _clock(value: time | str | None, key: str) -> time | None:
    if isinstance(value, time):
        return value
    if value is None or value == "":
        return None
    return parse_clock(str(value), key)


def _layer(
    extra: frozenset[date], removed: frozenset[date], add: frozenset[date], drop: frozenset[date]
) -> tuple[frozenset[date], frozenset[date]]:
    """Lay a higher layer's added/removed dates over the lower ones (C3): the higher layer wins per date."""
    return (extra - drop) | add, (removed - add) | drop


def policy_changes(policy: Policy, state: str, code: str | None) -> tuple[frozenset[date], frozenset[date]]:
    """The dates the policy adds and removes for ``state`` and, if given, its built-in site ``code`` (C3)."""
    added, dropped = policy.business.holidays(state)
    extra, removed = frozenset(added), frozenset(dropped)
    entry = policy.builtin_sites.get(code) if code else None
    if entry is not None:
        extra, removed = _layer(extra, removed, frozenset(entry.extra_holidays), frozenset(entry.removed_holidays))
    return extra, removed


def build_calendar(
    policy: Policy,
    *,
    code: str,
    zone_name: str,
    state: str,
    open_time: time | str | None = None,
    cob_time: time | str | None = None,
    extra: Iterable[DateLike] | str | None = None,
    removed: Iterable[DateLike] | str | None = None,
    policy_site: bool = True,
) -> SiteCalendar:
    """A site's calendar (C2, C3), the same wherever the site is defined.

    ``open_time``/``cob_time``: the site's own hours, else the policy site's of
    that code, else ``[business]``. ``extra``/``removed``: the site's own added
    and removed dates (ISO text, dates, or a database row's comma-separated
    text). ``policy_site=False`` leaves out the ``[sites.CODE]`` table (a bare
    state and zone whose ``code`` is only a label). Calendars are cached by
    value, so each keeps its per-date answers between calls.
    """
    state = state.strip().upper()
    entry = policy.builtin_sites.get(code) if policy_site else None
    business = policy.business
    # The policy site's own hours, else [business] (C2).
    site_open, site_cob = entry.hours(business) if entry is not None else (business.open, business.cob)
    opens = _clock(open_time, "open") or site_open
    cob = _clock(cob_time, "cob") or site_cob
    base_extra, base_removed = policy_changes(policy, state, code if policy_site else None)
    all_extra, all_removed = _layer(
        base_extra, base_removed, parse_dates(extra, "extra_holidays"), parse_dates(removed, "removed_holidays")
    )
    return _calendar(code, zone_name.strip(), state, opens, cob, all_extra, all_removed)


@lru_cache(maxsize=512)
def _calendar(
    code: str, zone_name: str, state: str, opens: time, cob: time, extra: frozenset[date], removed: frozenset[date]
) -> SiteCalendar:
    return SiteCalendar(
        code=code, zone_name=zone_name, state=state, open_time=opens, cob_time=cob, extra=extra, removed=removed
    )
