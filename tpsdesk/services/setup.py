"""Setting up a floor: Centres, sites and staff (the first-run path and the CLI)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from tpsdesk.businesstime import STATES, SiteCalendar, zone
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import W5Group
from tpsdesk.errors import NotFound, ValidationError
from tpsdesk.models import Centre, Site, Staff
from tpsdesk.policy import CHANNELS, ROLES
from tpsdesk.services.actors import actor_for
from tpsdesk.services.desk import Desk
from tpsdesk.text import clean

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
_LOGON = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


@dataclass(frozen=True)
class CentreView:
    code: str
    name: str
    channel: str
    sp_mailbox: str


@dataclass(frozen=True)
class SiteView:
    code: str
    name: str
    centre: str
    zone: str
    state: str
    open_time: str
    cob_time: str


@dataclass(frozen=True)
class StaffView:
    logon: str
    name: str
    role: str
    centre: str
    site: str
    channel: str
    team_leader: str | None
    sp_pool: bool  # W5: in the SP development pool
    active: bool
    w5_group: str = ""  # W5: "", high-performing or sp-pool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _code(field: str, value: str) -> str:
    value = clean(value, multiline=False).strip()
    if not _CODE.match(value):
        raise ValidationError(field, f"{value!r} is not a code: letters, digits, - or _, up to 20")
    return value.upper()


def _hhmm(field: str, value: str) -> str:
    if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value or ""):
        raise ValidationError(field, f"{value!r} is not a time like 17:00")
    return value


def is_empty(desk: Desk) -> bool:
    """A brand-new database: no staff yet (first run)."""
    with desk.store.read() as session:
        return int(session.exec(select(func.count(Staff.id))).one()) == 0


def add_centre(desk: Desk, code: str, name: str, channel: str, sp_mailbox: str = "") -> CentreView:
    code = _code("code", code)
    if channel not in CHANNELS:
        raise ValidationError("channel", f"unknown channel {channel!r}: use {' or '.join(CHANNELS)}")
    name = clean(name, multiline=False).strip() or code
    mailbox = clean(sp_mailbox, multiline=False).strip()
    if mailbox and "@" not in mailbox:
        raise ValidationError("sp_mailbox", "the SP positional mailbox must be an email address (E5a)")
    with desk.store.write() as session:
        if session.exec(select(Centre).where(Centre.code == code)).first():
            raise ValidationError("code", f"a Centre with code {code} already exists")
        session.add(Centre(code=code, name=name, channel=channel, sp_mailbox=mailbox))
    return CentreView(code, name, channel, mailbox)


def add_site(
    desk: Desk, code: str, name: str, centre: str, zone_name: str, state: str, open_time: str = "", cob_time: str = ""
) -> SiteView:
    code = _code("code", code)
    state = state.upper()
    if state not in STATES:
        raise ValidationError("state", f"unknown state {state!r}: use one of {', '.join(STATES)}")
    zone(zone_name)  # raises ValidationError naming the zone
    open_time = _hhmm("open", open_time or desk.policy.open_time.strftime("%H:%M"))
    cob_time = _hhmm("cob", cob_time or desk.policy.cob_time.strftime("%H:%M"))
    if cob_time <= open_time:
        raise ValidationError("cob", "COB must be later than the opening time")
    with desk.store.write() as session:
        c = session.exec(select(Centre).where(Centre.code == centre.upper())).first()
        if c is None:
            raise NotFound(f"centre: no Centre with code {centre!r} (tpsdesk centre list)")
        if session.exec(select(Site).where(Site.code == code)).first():
            raise ValidationError("code", f"a site with code {code} already exists")
        name = clean(name, multiline=False).strip() or code
        session.add(
            Site(
                code=code,
                name=name,
                centre_id=c.id or 0,
                zone=zone_name,
                state=state,
                open_time=open_time,
                cob_time=cob_time,
            )
        )
    return SiteView(code, name, c.code, zone_name, state, open_time, cob_time)


def _w5_group(value: str | None, sp_pool: bool) -> W5Group:
    """W5: the group named, else the development pool when ``sp_pool``, else none."""
    if value is None:
        return W5Group.SP_POOL if sp_pool else W5Group.NONE
    try:
        return W5Group(clean(value, multiline=False).strip().lower())
    except ValueError:
        names = ", ".join(g.value for g in W5Group if g.value)
        raise ValidationError("w5_group", f"unknown W5 group {value!r}: use {names}, or leave it out") from None


def add_staff(
    desk: Desk,
    logon: str,
    name: str,
    role: str,
    site: str,
    *,
    team_leader: str | None = None,
    sp_pool: bool = False,
    w5_group: str | None = None,
    email: str = "",
) -> StaffView:
    """Add a staff member; ``w5_group`` (or ``sp_pool``, the development pool) puts them in a W5 group."""
    logon = clean(logon, multiline=False).strip()
    if not _LOGON.match(logon):
        raise ValidationError("logon", f"{logon!r} is not a logon ID: letters, digits, '.', '-' or '_'")
    role = role.upper()
    if role not in ROLES:
        raise ValidationError("role", f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    group = _w5_group(w5_group, sp_pool)
    name = clean(name, multiline=False).strip()
    if not name:
        raise ValidationError("name", "the staff member's name is required")
    with desk.store.write() as session:
        s = session.exec(select(Site).where(Site.code == site.upper())).first()
        if s is None:
            raise NotFound(f"site: no site with code {site!r} (tpsdesk site list)")
        if session.exec(select(Staff).where(Staff.logon == logon)).first():
            raise ValidationError("logon", f"logon {logon} is already taken")
        tl_id = None
        if team_leader:
            tl = session.exec(select(Staff).where(Staff.logon == team_leader)).first()
            if tl is None:
                raise NotFound(f"team_leader: no staff member with logon {team_leader!r}")
            if tl.role != "TL":
                raise ValidationError("team_leader", f"{team_leader} is a {tl.role}, not a Team Leader")
            tl_id = tl.id
        session.add(
            Staff(
                logon=logon,
                name=name,
                role=role,
                centre_id=s.centre_id,
                site_id=s.id or 0,
                team_leader_id=tl_id,
                w5_group=group,
                email=email,
            )
        )
        c = session.get(Centre, s.centre_id)
        assert c is not None
    return StaffView(logon, name, role, c.code, s.code, c.channel, team_leader, group == W5Group.SP_POOL, True, group)


def list_centres(desk: Desk) -> list[CentreView]:
    with desk.store.read() as session:
        return [
            CentreView(c.code, c.name, c.channel, c.sp_mailbox)
            for c in session.exec(select(Centre).order_by(Centre.code)).all()
        ]


def list_sites(desk: Desk) -> list[SiteView]:
    with desk.store.read() as session:
        rows = session.exec(
            select(Site, Centre.code).join(Centre, Centre.id == Site.centre_id).order_by(Site.code)
        ).all()
        return [SiteView(s.code, s.name, c, s.zone, s.state, s.open_time, s.cob_time) for s, c in rows]


def list_staff(desk: Desk, *, site: str | None = None, role: str | None = None) -> list[StaffView]:
    with desk.store.read() as session:
        stmt = (
            select(Staff, Centre, Site)
            .join(Centre, Centre.id == Staff.centre_id)
            .join(Site, Site.id == Staff.site_id)
            .order_by(Staff.logon)
        )
        if site:
            stmt = stmt.where(Site.code == site.upper())
        if role:
            stmt = stmt.where(Staff.role == role.upper())
        rows = session.exec(stmt).all()
        tls = {s.id: s.logon for s in session.exec(select(Staff).where(Staff.role == "TL")).all()}
        return [
            StaffView(
                st.logon,
                st.name,
                st.role,
                c.code,
                si.code,
                c.channel,
                tls.get(st.team_leader_id),
                st.w5_group == W5Group.SP_POOL,
                st.active,
                st.w5_group,
            )
            for st, c, si in rows
        ]


def whoami(desk: Desk, logon: str) -> Actor:
    with desk.store.read() as session:
        return actor_for(session, logon)


def site_calendar_for(desk: Desk, code: str) -> SiteCalendar:
    """A site's calendar from the database (the `due --site` fallback)."""
    with desk.store.read() as session:
        s = session.exec(select(Site).where(Site.code == code.upper())).first()
        if s is None:
            raise NotFound(f"site: no site with code {code!r}")
        return desk.calendar(s)


def parse_date(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not a date like 2026-12-24") from exc
