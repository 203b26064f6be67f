"""``tpsdesk centre|site|staff add|list``, ``site show|holidays``: setting up a real floor (over ``services.setup``).

No command here migrates: a new floor starts with ``tpsdesk db upgrade`` (which
creates the schema), and an older schema asks for it (``cli.Context.desk``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import click

from tpsdesk.cli import Context, emit, table
from tpsdesk.errors import NotFound, ValidationError

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


# ---------------------------------------------------------------- centres
@click.group()
def centre() -> None:
    """Centres: a Smart Centre or a Compensation Recovery team (channel, SP mailbox)."""


@centre.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The Centre's name.")
@click.option("--channel", required=True, metavar="CHANNEL", help="smart-centre or comp-recovery.")
@click.option("--mailbox", default="", help="The SP positional mailbox (E5a).")
@JSON
@click.pass_obj
def centre_add(obj: Context, code: str, name: str, channel: str, mailbox: str, as_json: bool) -> None:
    """Add a Centre CODE."""
    from tpsdesk.services import setup

    view = setup.add_centre(obj.desk(), code, name, channel.strip().lower(), mailbox)
    emit(asdict(view), as_json, f"added Centre {view.code} ({view.name}, {view.channel})")


@centre.command("list")
@JSON
@click.pass_obj
def centre_list(obj: Context, as_json: bool) -> None:
    """List the Centres."""
    from tpsdesk.services import setup

    rows = setup.list_centres(obj.desk())
    emit(
        [asdict(r) for r in rows],
        as_json,
        table(["CODE", "NAME", "CHANNEL", "SP MAILBOX"], [[r.code, r.name, r.channel, r.sp_mailbox] for r in rows]),
    )


# ---------------------------------------------------------------- sites
@click.group()
def site() -> None:
    """Sites: where staff sit; each has a time zone, a state and hours (C2)."""


@site.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The site's name.")
@click.option("--centre", "centre_code", required=True, metavar="CODE", help="The Centre it belongs to.")
@click.option("--tz", required=True, metavar="ZONE", help="IANA time zone, e.g. Australia/Perth.")
@click.option("--state", required=True, metavar="ST", help="State for public holidays: NSW VIC QLD SA WA TAS ACT NT.")
@click.option("--open", "open_time", default="", metavar="HH:MM", help="Opening time (default: policy).")
@click.option("--cob", "cob_time", default="", metavar="HH:MM", help="Close of business (default: policy).")
@JSON
@click.pass_obj
def site_add(
    obj: Context,
    code: str,
    name: str,
    centre_code: str,
    tz: str,
    state: str,
    open_time: str,
    cob_time: str,
    as_json: bool,
) -> None:
    """Add a site CODE to a Centre."""
    from tpsdesk.services import setup

    view = setup.add_site(
        obj.desk(), code, name, centre_code, tz.strip(), state.strip(), open_time, cob_time
    )
    emit(
        asdict(view),
        as_json,
        f"added site {view.code} ({view.name}) to {view.centre}: {view.zone}, {view.state}, {view.open_time}-{view.cob_time}",
    )


@site.command("list")
@JSON
@click.pass_obj
def site_list(obj: Context, as_json: bool) -> None:
    """List the sites, with the dates each adds or removes (C3)."""
    from tpsdesk.services import setup

    rows = setup.list_sites(obj.desk())
    emit(
        [asdict(r) for r in rows],
        as_json,
        table(
            ["CODE", "NAME", "CENTRE", "ZONE", "STATE", "HOURS", "ADDED HOLIDAYS", "REMOVED HOLIDAYS"],
            [
                [
                    r.code,
                    r.name,
                    r.centre,
                    r.zone,
                    r.state,
                    f"{r.open_time}-{r.cob_time}",
                    ",".join(r.extra_holidays) or "-",
                    ",".join(r.removed_holidays) or "-",
                ]
                for r in rows
            ],
        ),
    )


def _site_text(detail: Any) -> str:
    """``site show`` for people: the site, then every date its calendar adds or removes and why (C3)."""
    from datetime import date

    from tpsdesk.businesstime import fmt_day

    v = detail.site
    own_extra, own_removed = set(v.extra_holidays), set(v.removed_holidays)
    lines = [
        f"site {v.code}: {v.name}",
        f"  {'centre':<16} {v.centre}",
        f"  {'zone':<16} {v.zone}",
        f"  {'state':<16} {v.state} (public holidays, C3)",
        f"  {'hours':<16} {v.open_time}-{v.cob_time} (COB {v.cob_time})",
    ]

    def where(day: str, own: set[str]) -> str:
        return "this site (tpsdesk site holidays)" if day in own else "policy data"

    lines.append("added holidays (not business days):" + ("" if detail.extra else " none"))
    lines += [f"  {fmt_day(date.fromisoformat(d))}  from {where(d, own_extra)}" for d in detail.extra]
    lines.append("removed holidays (worked as business days):" + ("" if detail.removed else " none"))
    for d in detail.removed:
        name = detail.names.get(d) or "holiday"
        lines.append(f"  {fmt_day(date.fromisoformat(d))}  {name}, from {where(d, own_removed)}")
    return "\n".join(lines)


@site.command("show")
@click.argument("code")
@JSON
@click.pass_obj
def site_show(obj: Context, code: str, as_json: bool) -> None:
    """One site: zone, state, hours and the holidays it adds or removes (C3)."""
    from tpsdesk.services import setup

    detail = setup.site_detail(obj.desk(), code)
    emit(detail.to_json(), as_json, _site_text(detail))


@site.command("holidays")
@click.argument("code")
@click.option("--add", "add", multiple=True, metavar="DATE", help="An extra holiday of the site, e.g. a show day.")
@click.option("--remove", "remove", multiple=True, metavar="DATE", help="A public holiday the site works.")
@click.option("--clear", "clear", multiple=True, metavar="DATE", help="Forget the site's change for DATE.")
@JSON
@click.pass_obj
def site_holidays(
    obj: Context, code: str, add: tuple[str, ...], remove: tuple[str, ...], clear: tuple[str, ...], as_json: bool
) -> None:
    """Add or remove holidays of site CODE (C3); each option repeats, dates as YYYY-MM-DD.

    The change is part of the site's calendar everywhere: deadlines, the queue
    and 'tpsdesk due --site CODE'. Example: tpsdesk site holidays PER --add 2026-10-01
    """
    from tpsdesk.services import setup

    if not (add or remove or clear):
        raise ValidationError("--add", "give at least one --add, --remove or --clear DATE")
    desk = obj.desk()
    try:
        detail = setup.set_site_holidays(desk, obj.user, code, add=add, remove=remove, clear=clear)
    except ValidationError as exc:
        if exc.field in ("add", "remove", "clear"):
            raise ValidationError(f"--{exc.field}", exc.message) from None
        raise
    emit(detail.to_json(), as_json, _site_text(detail))


# ---------------------------------------------------------------- staff
@click.group()
def staff() -> None:
    """Staff: logon ID, name, role (SO TPS SP SSO TL), site, team leader, SP pool (W5)."""


@staff.command("add")
@click.argument("logon")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", required=True, metavar="ROLE", help="SO, TPS, SP, SSO or TL.")
@click.option("--site", "site_code", metavar="CODE", help="Their site (default: the global --site).")
@click.option("--team-leader", metavar="LOGON", help="Their Team Leader's logon.")
@click.option("--sp-pool", is_flag=True, help="In the SP development pool: may work escalations (W5).")
@click.option(
    "--w5-group",
    type=click.Choice(["high-performing", "sp-pool"]),
    help="W5 group: high-performing TPS or the SP development pool; both may work escalations.",
)
@click.option("--email", default="", help="Email address.")
@JSON
@click.pass_obj
def staff_add(
    obj: Context,
    logon: str,
    name: str,
    role: str,
    site_code: str | None,
    team_leader: str | None,
    sp_pool: bool,
    w5_group: str | None,
    email: str,
    as_json: bool,
) -> None:
    """Add a staff member LOGON."""
    from tpsdesk.services import setup

    code = site_code or obj.site
    if not code:
        raise ValidationError("--site", "say which site the staff member sits at (--site CODE)")
    email = email.strip()
    if email and "@" not in email:
        raise ValidationError("--email", f"{email!r} is not an email address")
    view = setup.add_staff(
        obj.desk(),
        logon,
        name,
        role,
        code,
        team_leader=team_leader,
        sp_pool=sp_pool,
        w5_group=w5_group,
        email=email,
    )
    pool = f", W5 {view.w5_group}" if view.w5_group else ""
    emit(view.to_json(), as_json, f"added {view.role} {view.logon} ({view.name}) at {view.site}, {view.centre}{pool}")


@staff.command("list")
@click.option("--site", "site_code", metavar="CODE", help="Only this site.")
@click.option("--role", metavar="ROLE", help="Only this role.")
@JSON
@click.pass_obj
def staff_list(obj: Context, site_code: str | None, role: str | None, as_json: bool) -> None:
    """List staff, by logon."""
    from tpsdesk.policy import ROLES
    from tpsdesk.services import setup

    if role and role.upper() not in ROLES:
        raise ValidationError("--role", f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    desk = obj.desk()
    if site_code and site_code.upper() not in {s.code for s in setup.list_sites(desk)}:
        raise NotFound(f"--site: no site with code {site_code!r} (tpsdesk site list)")
    rows = setup.list_staff(desk, site=site_code, role=role)
    emit(
        [r.to_json() for r in rows],
        as_json,
        table(
            ["LOGON", "NAME", "ROLE", "CENTRE", "SITE", "TEAM LEADER", "W5", "ACTIVE"],
            [
                [
                    r.logon,
                    r.name,
                    r.role,
                    r.centre,
                    r.site,
                    r.team_leader or "-",
                    r.w5_group or "",
                    "yes" if r.active else "no",
                ]
                for r in rows
            ],
        ),
    )
