"""``tpsdesk due``: the deadline calculator (C1 to C10, E1 to E12) from the command line.

It needs no database for the built-in sites of the policy, so this module
imports only click, the policy, the business calendar and the deadline rules
(the whole process stays well under 0.4 s; see bench/bench_due.py). Only a
site code that the policy does not know falls back to the database, imported
lazily.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import click

from tpsdesk.businesstime import SiteCalendar
from tpsdesk.cli import Context, emit
from tpsdesk.deadlines import DueResult, compute
from tpsdesk.errors import NotFound, PolicyError, TpsError, ValidationError
from tpsdesk.policy import Policy, default_policy

# SiteCalendar names its fields after its own arguments; people typed options.
_OPTION_OF = {"zone": "--tz", "state": "--state", "at": "--at", "cob": "--cob"}


def _as_option(exc: ValidationError, option: str | None = None) -> ValidationError:
    return ValidationError(option or _OPTION_OF.get(exc.field, exc.field), exc.message)


def _hhmm(value: Any, key: str, fallback: time) -> time:
    if value is None:
        return fallback
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError) as exc:
        raise PolicyError(f'policy key {key} must be a time like "17:00", got {value!r}') from exc


def _dates(values: list[Any], key: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(str(v)) for v in values)
    except ValueError as exc:
        raise PolicyError(f"policy key {key} must list dates like 2026-12-24: {exc}") from exc


def policy_calendar(
    policy: Policy, code: str, zone_name: str, state: str, entry: dict[str, Any] | None = None
) -> SiteCalendar:
    """A calendar from policy data alone: hours from the site entry or ``business``, C3 overrides per state."""
    entry = entry or {}
    extra, removed = policy.holiday_overrides(state)
    try:
        return SiteCalendar(
            code=code,
            zone_name=zone_name,
            state=state,
            open_time=_hhmm(entry.get("open"), f"sites.{code}.open", policy.open_time),
            cob_time=_hhmm(entry.get("cob"), f"sites.{code}.cob", policy.cob_time),
            extra=_dates(extra, f"business.extra_holidays.{state}"),
            removed=_dates(removed, f"business.removed_holidays.{state}"),
        )
    except ValidationError as exc:
        raise _as_option(exc) from None


def site_calendar(obj: Context, policy: Policy, code: str) -> SiteCalendar:
    """A built-in site of the policy first (no database); else the database's site (C2)."""
    code = code.strip().upper()
    entry = policy.sites().get(code)
    if isinstance(entry, dict):
        zone_name = entry.get("zone")
        state = entry.get("state")
        if not isinstance(zone_name, str) or not isinstance(state, str):
            raise PolicyError(f"policy key sites.{code} needs a zone and a state")
        return policy_calendar(policy, code, zone_name, state.upper(), entry)
    known = ", ".join(sorted(policy.sites()))
    try:
        from tpsdesk.services.setup import site_calendar_for  # only now: loads the database libraries
        from tpsdesk.store import resolve_url

        url = resolve_url(obj.db)
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            raise NotFound("no database")  # a typo must not create an empty database file
        return site_calendar_for(obj.desk(), code)
    except NotFound:
        pass
    except TpsError as exc:  # no database yet, or an old one: the site is still unknown
        raise NotFound(
            f"--site: {code!r} is not a built-in site ({known}) and the database cannot be read: {exc}"
        ) from None
    raise NotFound(
        f"--site: no site with code {code!r}; built-in sites are {known}, or add one with 'tpsdesk site add'"
    )


def zone_for_state(policy: Policy, state: str) -> str | None:
    """The zone of the first built-in site in ``state`` (lets ``--state WA`` stand alone)."""
    for entry in policy.sites().values():
        if isinstance(entry, dict) and str(entry.get("state", "")).upper() == state:
            return str(entry.get("zone"))
    return None


def resolve_calendar(obj: Context, policy: Policy, site: str | None, state: str | None, tz: str | None) -> SiteCalendar:
    """``--site``; else ``--state``/``--tz``; else the global site; else the policy's default zone and state."""
    if site and (state or tz):
        raise ValidationError("--site", "give either --site or --state/--tz, not both")
    if site:
        return site_calendar(obj, policy, site)
    if state or tz:
        if not state:
            raise ValidationError("--state", "--tz needs --state too: public holidays are per state (C3)")
        state = state.strip().upper()
        zone_name = tz or zone_for_state(policy, state)
        if not zone_name:
            raise ValidationError("--tz", f"give the IANA zone of the {state} site, e.g. --tz Australia/Perth")
        return policy_calendar(policy, state, zone_name.strip(), state)
    if obj.site:
        return site_calendar(obj, policy, obj.site)
    business = policy.section("business")
    zone_name = str(business.get("default_zone", "Australia/Sydney"))
    state = str(business.get("default_state", "NSW")).upper()
    return policy_calendar(policy, state, zone_name, state)


def parse_instant(cal: SiteCalendar, text: str, option: str) -> datetime:
    try:
        return cal.parse(text)
    except ValidationError as exc:
        raise _as_option(exc, option) from None


def parse_day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(option, f"{text!r} is not a date like 2026-12-24") from None


def iso(cal: SiteCalendar, instant: datetime | None) -> str | None:
    """ISO 8601 with the site's own offset."""
    return None if instant is None else instant.astimezone(cal.tz).isoformat()


def as_json(cal: SiteCalendar, raised: datetime, result: DueResult) -> dict[str, Any]:
    return {
        "category": result.category,
        "site": cal.code,
        "zone": cal.zone_name,
        "state": cal.state,
        "at": iso(cal, raised),
        "due": iso(cal, result.due),
        "after_hours": result.after_hours,
        "follow_ups": [iso(cal, f) for f in result.follow_ups],
        "follow_up_rule": result.follow_up_rule,
        "deadlines": [
            {"rule": d.rule, "kind": d.kind, "at": iso(cal, d.at), "id": d.id, "label": d.label, "met": d.met}
            for d in result.deadlines
        ],
        "explain": result.explain,
    }


def as_text(cal: SiteCalendar, result: DueResult) -> str:
    lines = [f"  {step}" for step in result.explain]
    if result.due is not None:
        flag = "  AFTER HOURS: act at once" if result.after_hours else ""
        lines.append(f"due: {cal.fmt(result.due)} ({iso(cal, result.due)}){flag}")
    else:
        lines.append("due: no deadline of its own")
    if result.follow_ups:
        word = "next follow-ups" if len(result.follow_ups) > 1 else "next follow-up"
        lines.append(f"{word} ({result.follow_up_rule}): " + "; ".join(cal.fmt(f) for f in result.follow_ups))
    return "\n".join(lines)


@click.command()
@click.argument("category")
@click.option(
    "--at",
    "at",
    metavar="ISO",
    help="When it was raised; without an offset it is the site's local time (default: now).",
)
@click.option("--site", metavar="CODE", help="Raising site: a built-in site of the policy, else one in the database.")
@click.option("--state", metavar="ST", help="State for public holidays (with --tz, instead of --site).")
@click.option("--tz", metavar="ZONE", help="IANA time zone, e.g. Australia/Perth (with --state).")
@click.option("--referred-at", metavar="ISO", help="When it was referred (starts E3, E9, E10 follow-ups).")
@click.option("--eped", metavar="DATE", help="The customer's EPED (E10).")
@click.option("--json", "as_json_", is_flag=True, help="Print JSON.")
@click.pass_obj
def due(
    obj: Context,
    category: str,
    at: str | None,
    site: str | None,
    state: str | None,
    tz: str | None,
    referred_at: str | None,
    eped: str | None,
    as_json_: bool,
) -> None:
    """When CATEGORY raised --at a time is due, with the working (C8).

    CATEGORY is one of arrears, review, death, fcso, system, policy, feedback,
    q999, qol. Example: tpsdesk due arrears --at 2026-09-25T17:40 --site PER
    """
    policy = default_policy()
    key = category.strip().lower()
    cat = policy.categories.get(key)
    if cat is None:
        raise ValidationError("category", f"unknown category {category!r}: use one of {', '.join(policy.categories)}")
    cal = resolve_calendar(obj, policy, site, state, tz)
    raised = parse_instant(cal, at, "--at") if at else obj.now()
    referred = parse_instant(cal, referred_at, "--referred-at") if referred_at else None
    if referred is not None and referred < raised:
        raise ValidationError("--referred-at", "is earlier than --at: an item is referred after it is raised")
    result = compute(
        cat, raised, cal, referred_at=referred, eped=parse_day(eped, "--eped"), explain=True,
        referral_target="ict" if referred else "",  # a what-if referral is to ICT (E4, E5)
    )  # fmt: skip
    emit(as_json(cal, raised, result), as_json_, as_text(cal, result))
