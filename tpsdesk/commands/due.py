"""``tpsdesk due``: the deadline calculator (C1 to C10, E1 to E12) from the command line.

``--site CODE`` is the database's site when there is a database (an existing
``--db``/``TPSDESK_DB`` file or server, or the default file), so a holiday set
with ``tpsdesk site holidays`` moves the answer (C3); else the policy's
built-in site. Without a database this module imports only click, the policy,
the business calendar and the deadline rules (the whole process stays well
under 0.4 s; see bench/bench_due.py); the database libraries load lazily.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from tpsdesk.bounds import check_eped, check_year
from tpsdesk.businesstime import SiteCalendar
from tpsdesk.calendars import build_calendar
from tpsdesk.cli import Context, emit
from tpsdesk.deadlines import DueResult, compute
from tpsdesk.errors import NotFound, TpsError, ValidationError
from tpsdesk.policy import Policy, default_policy

# SiteCalendar names its fields after its own arguments; people typed options.
_OPTION_OF = {"zone": "--tz", "state": "--state", "at": "--at", "cob": "--cob"}


def _as_option(exc: ValidationError, option: str | None = None) -> ValidationError:
    return ValidationError(option or _OPTION_OF.get(exc.field, exc.field), exc.message)


def policy_calendar(policy: Policy, code: str, zone_name: str, state: str, *, policy_site: bool = True) -> SiteCalendar:
    """A calendar from policy data alone, through the one builder (C2, C3): hours and dates of the
    policy site ``code`` (unless ``policy_site`` is False) over the state's."""
    try:
        return build_calendar(policy, code=code, zone_name=zone_name, state=state, policy_site=policy_site)
    except ValidationError as exc:
        raise _as_option(exc) from None


def database_given(obj: Context) -> bool:
    """Is there a database to read (C3: its sites' holiday changes)? Decided without loading one.

    ``--db``/``TPSDESK_DB`` naming a server, or a SQLite file that exists; else
    the default SQLite file, if it exists. A mistyped path creates no file.
    """
    raw = obj.db or os.environ.get("TPSDESK_DB") or ""
    if not raw:
        from platformdirs import user_data_dir  # the same default as tpsdesk.store.default_db_path

        return (Path(user_data_dir("tpsdesk")) / "tpsdesk.db").exists()
    if "://" not in raw:
        return Path(raw).expanduser().exists()
    if raw.startswith("sqlite:"):
        path = raw.split("://", 1)[1].removeprefix("/")
        return bool(path) and path != ":memory:" and Path(path).exists()
    return True  # a database server (PostgreSQL)


def _database_calendar(obj: Context, code: str) -> SiteCalendar | None:
    """The database's site ``code`` (C3: with its own holiday changes), None if it has no such site."""
    from tpsdesk.services.setup import site_calendar_for  # only now: loads the database libraries

    try:
        return site_calendar_for(obj.desk(), code)
    except NotFound:
        return None


def site_calendar(obj: Context, policy: Policy, code: str) -> SiteCalendar:
    """The database's site when there is a database (C3: a holiday set by 'tpsdesk site holidays'
    counts); else, or if it has no such site, the policy's built-in site (C2)."""
    code = code.strip().upper()
    builtin = policy.builtin_sites.get(code)
    known = ", ".join(sorted(policy.builtin_sites))
    if database_given(obj):
        try:
            found = _database_calendar(obj, code)
        except TpsError as exc:  # an old or unreadable database
            if builtin is None:
                raise NotFound(
                    f"--site: {code!r} is not a built-in site ({known}) and the database cannot be read: {exc}"
                ) from None
            click.echo(f"note: the database cannot be read ({exc}); using the policy's site {code}", err=True)
            found = None
        if found is not None:
            return found
    if builtin is not None:  # the schema makes a built-in site's zone and state required
        return policy_calendar(policy, code, builtin.zone, builtin.state)
    raise NotFound(
        f"--site: no site with code {code!r}; built-in sites are {known}, or add one with 'tpsdesk site add'"
    )


def zone_for_state(policy: Policy, state: str) -> str | None:
    """The zone of the first built-in site in ``state`` (lets ``--state WA`` stand alone)."""
    for entry in policy.builtin_sites.values():
        if entry.state == state:  # the schema holds states in capitals (C3)
            return entry.zone
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
        return policy_calendar(policy, state, zone_name.strip(), state, policy_site=False)
    if obj.site:
        return site_calendar(obj, policy, obj.site)
    business = policy.business
    zone_name = business.default_zone
    state = business.default_state
    return policy_calendar(policy, state, zone_name, state, policy_site=False)


def parse_instant(cal: SiteCalendar, text: str, option: str) -> datetime:
    try:
        return cal.parse(text)
    except ValidationError as exc:
        raise _as_option(exc, option) from None


def parse_day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(option, f"{text!r} is not a date like 2026-12-24") from None
    check_year(option, day)
    return day


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
    eped_day = parse_day(eped, "--eped")
    if eped_day is not None:  # E10: within the policy's years of today (the desk's clock)
        check_eped("--eped", eped_day, obj.now().date(), policy.input.eped_max_years)
    result = compute(
        cat, raised, cal, referred_at=referred, eped=eped_day, explain=True,
        referral_target="ict" if referred else "",  # a what-if referral is to ICT (E4, E5)
    )  # fmt: skip
    emit(as_json(cal, raised, result), as_json_, as_text(cal, result))
