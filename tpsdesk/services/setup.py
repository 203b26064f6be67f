"""Setting up a floor: Centres, sites and staff (the first-run path and the CLI).

Every change here is R7's: the floor's owner or a staff member with the admin flag
(``identity.require_setup``, asked inside the change's transaction), and each change is
a history event (``centre-added``, ``site-added``, ``staff-added``, ``admin-granted``,
``admin-revoked``, ``login-granted``, ``site-holidays``) whose actor is the admin, or
none for the floor's owner (the event's login says who that was).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from tpsdesk import pgroles
from tpsdesk.bounds import check_year
from tpsdesk.businesstime import STATES, SiteCalendar, fmt_day, parse_clock, state_holidays, zone
from tpsdesk.calendars import build_calendar, dates_text, parse_dates, policy_changes
from tpsdesk.domain import floor
from tpsdesk.domain.facts import Actor
from tpsdesk.domain.vocab import W5Group
from tpsdesk.errors import Conflict, NotFound, ValidationError
from tpsdesk.models import Centre, Site, Staff
from tpsdesk.policy import CHANNELS, ROLES
from tpsdesk.services.actors import actor_for
from tpsdesk.services.boundary import typed_input
from tpsdesk.services.desk import Desk
from tpsdesk.services.history import record_event
from tpsdesk.services.identity import Identity, require_setup
from tpsdesk.services.retry import transaction
from tpsdesk.text import a_or_an, clean

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
    # C3: the site's own added (extra holidays) and removed dates, ISO, sorted.
    extra_holidays: tuple[str, ...] = ()
    removed_holidays: tuple[str, ...] = ()

    @classmethod
    def of(cls, site: Site, centre: str) -> SiteView:
        return cls(
            site.code,
            site.name,
            centre,
            site.zone,
            site.state,
            site.open_time,
            site.cob_time,
            tuple(d.isoformat() for d in sorted(_row_dates(site.extra_holidays))),
            tuple(d.isoformat() for d in sorted(_row_dates(site.removed_holidays))),
        )


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
    admin: bool = False  # R7: may set up the floor

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _code(field: str, value: str) -> str:
    value = clean(value, multiline=False).strip()
    if not value:
        raise ValidationError(field, "a code is required: letters, digits, - or _, up to 20")
    if not _CODE.match(value):
        raise ValidationError(field, f"{value!r} is not a code: letters, digits, - or _, up to 20")
    return value.upper()


def _hhmm(field: str, value: str) -> str:
    """A site's opening or COB time as stored ("08:00"), checked by the core's one parser (C2)."""
    return parse_clock(value or "", field).strftime("%H:%M")


def is_empty(desk: Desk) -> bool:
    """A brand-new database: no staff yet (first run)."""
    with desk.store.read() as session:
        return int(session.exec(select(func.count(col(Staff.id)))).one()) == 0


@typed_input()
@transaction
def add_centre(desk: Desk, who: Identity, code: str, name: str, channel: str, sp_mailbox: str = "") -> CentreView:
    new = _centre_input(code, name, channel, sp_mailbox)
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        return _insert_centre(desk, session, actor_id, new)


def _centre_input(code: str, name: str, channel: str, sp_mailbox: str) -> CentreView:
    """A new Centre's typed fields, checked before anything is read or written."""
    code = _code("code", code)
    if channel not in CHANNELS:
        raise ValidationError("channel", f"unknown channel {channel!r}: use {' or '.join(CHANNELS)}")
    name = clean(name, multiline=False).strip() or code
    mailbox = clean(sp_mailbox, multiline=False).strip()
    if mailbox and "@" not in mailbox:
        raise ValidationError("sp_mailbox", "the SP positional mailbox must be an email address (E5a)")
    return CentreView(code, name, channel, mailbox)


def _insert_centre(desk: Desk, session: Session, actor_id: int | None, new: CentreView) -> CentreView:
    """In the caller's transaction (setup already allowed): the Centre and its event."""
    if session.exec(select(Centre).where(Centre.code == new.code)).first():
        raise ValidationError("code", f"a Centre with code {new.code} already exists")
    session.add(Centre(code=new.code, name=new.name, channel=new.channel, sp_mailbox=new.sp_mailbox))
    record_event(
        session, desk.now(), actor_id, "centre-added", code=new.code, name=new.name, channel=new.channel
    )  # fmt: skip
    return new


@typed_input()
@transaction
def add_site(
    desk: Desk,
    who: Identity,
    code: str,
    name: str,
    centre: str,
    zone_name: str,
    state: str,
    open_time: str = "",
    cob_time: str = "",
) -> SiteView:
    new = _site_input(desk, code, name, centre, zone_name, state, open_time, cob_time)
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        return _insert_site(desk, session, actor_id, new)


def _site_input(
    desk: Desk, code: str, name: str, centre: str, zone_name: str, state: str, open_time: str, cob_time: str
) -> SiteView:
    """A new site's typed fields, checked before anything is read or written (C1, C2)."""
    code = _code("code", code)
    state = state.upper()
    if state not in STATES:
        raise ValidationError("state", f"unknown state {state!r}: use one of {', '.join(STATES)}")
    zone(zone_name)  # raises ValidationError naming the zone
    open_time = _hhmm("open", open_time or desk.policy.open_time.strftime("%H:%M"))
    cob_time = _hhmm("cob", cob_time or desk.policy.cob_time.strftime("%H:%M"))
    if cob_time <= open_time:
        raise ValidationError("cob", "COB must be later than the opening time")
    name = clean(name, multiline=False).strip() or code
    return SiteView(code, name, centre.upper(), zone_name, state, open_time, cob_time)


def _insert_site(desk: Desk, session: Session, actor_id: int | None, new: SiteView) -> SiteView:
    """In the caller's transaction: the site in its Centre (which may have been added in the
    same transaction: the query flushes it first) and its event."""
    c = session.exec(select(Centre).where(Centre.code == new.centre)).first()
    if c is None:
        raise NotFound(f"centre: no Centre with code {new.centre!r} (tpsdesk centre list)")
    if session.exec(select(Site).where(Site.code == new.code)).first():
        raise ValidationError("code", f"a site with code {new.code} already exists")
    session.add(
        Site(
            code=new.code,
            name=new.name,
            centre_id=c.id or 0,
            zone=new.zone,
            state=new.state,
            open_time=new.open_time,
            cob_time=new.cob_time,
        )
    )
    record_event(
        session, desk.now(), actor_id, "site-added",
        code=new.code, centre=c.code, zone=new.zone, state=new.state, open=new.open_time, cob=new.cob_time,
    )  # fmt: skip
    return SiteView(new.code, new.name, c.code, new.zone, new.state, new.open_time, new.cob_time)


def _w5_group(value: str | None, sp_pool: bool) -> W5Group:
    """W5: the group named, else the development pool when ``sp_pool``, else none."""
    if value is None:
        return W5Group.SP_POOL if sp_pool else W5Group.NONE
    try:
        return W5Group(clean(value, multiline=False).strip().lower())
    except ValueError:
        names = ", ".join(g.value for g in W5Group if g.value)
        raise ValidationError("w5_group", f"unknown W5 group {value!r}: use {names}, or leave it out") from None


@typed_input()
@transaction
def add_staff(
    desk: Desk,
    who: Identity,
    logon: str,
    name: str,
    role: str,
    site: str,
    *,
    team_leader: str | None = None,
    sp_pool: bool = False,
    w5_group: str | None = None,
    email: str = "",
    admin: bool = False,
) -> StaffView:
    """Add a staff member; ``w5_group`` (or ``sp_pool``, the development pool) puts them in a W5 group;
    ``admin`` gives them the flag that sets up the floor (R7)."""
    new = _staff_input(logon, name, role, site, team_leader, sp_pool, w5_group, email, admin)
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        return _insert_staff(desk, session, actor_id, new)


@dataclass(frozen=True)
class _NewStaff:
    logon: str
    name: str
    role: str
    site: str
    team_leader: str | None
    group: W5Group
    email: str
    admin: bool


def _staff_input(
    logon: str,
    name: str,
    role: str,
    site: str,
    team_leader: str | None,
    sp_pool: bool,
    w5_group: str | None,
    email: str,
    admin: bool,
) -> _NewStaff:
    """A new staff member's typed fields, checked before anything is read or written."""
    logon = clean(logon, multiline=False).strip()
    if not logon:
        raise ValidationError("logon", "a logon ID is required: letters, digits, '.', '-' or '_'")
    if not _LOGON.match(logon):
        raise ValidationError("logon", f"{logon!r} is not a logon ID: letters, digits, '.', '-' or '_'")
    role = role.upper()
    if role not in ROLES:
        raise ValidationError("role", f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    group = _w5_group(w5_group, sp_pool)
    _may_hold_admin(role, admin)
    name = clean(name, multiline=False).strip()
    if not name:
        raise ValidationError("name", "the staff member's name is required")
    return _NewStaff(logon, name, role, site.upper(), team_leader, group, email, admin)


def _insert_staff(desk: Desk, session: Session, actor_id: int | None, new: _NewStaff) -> StaffView:
    """In the caller's transaction: the member at their site (which may have been added in the
    same transaction) and their event."""
    s = session.exec(select(Site).where(Site.code == new.site)).first()
    if s is None:
        raise NotFound(f"site: no site with code {new.site!r} (tpsdesk site list)")
    if session.exec(select(Staff).where(Staff.logon == new.logon)).first():
        raise ValidationError("logon", f"logon {new.logon} is already taken")
    tl_id = None
    if new.team_leader:
        tl = session.exec(select(Staff).where(Staff.logon == new.team_leader)).first()
        if tl is None:
            raise NotFound(f"team_leader: no staff member with logon {new.team_leader!r}")
        if tl.role != "TL":
            raise ValidationError("team_leader", f"{new.team_leader} is {a_or_an(tl.role)}, not a Team Leader")
        tl_id = tl.id
    session.add(
        Staff(
            logon=new.logon,
            name=new.name,
            role=new.role,
            centre_id=s.centre_id,
            site_id=s.id or 0,
            team_leader_id=tl_id,
            w5_group=new.group,
            email=new.email,
            admin=new.admin,
        )
    )
    record_event(
        session, desk.now(), actor_id, "staff-added", logon=new.logon, role=new.role, site=s.code, admin=new.admin
    )  # fmt: skip
    c = session.get(Centre, s.centre_id)
    assert c is not None
    return StaffView(
        new.logon, new.name, new.role, c.code, s.code, c.channel, new.team_leader,
        new.group == W5Group.SP_POOL, True, new.group, new.admin,
    )  # fmt: skip


@dataclass(frozen=True)
class FloorSetUp:
    """What the first run made: the Centre, its first site and the first staff member."""

    centre: CentreView
    site: SiteView
    staff: StaffView


# set_up_floor's names for the fields the three parts report (a form shows each beside its field).
_CENTRE_FIELDS = {"code": "centre_code", "name": "centre_name"}
_SITE_FIELDS = {"code": "site_code", "name": "site_name", "zone": "zone_name"}


@contextmanager
def _fields(names: dict[str, str]) -> Iterator[None]:
    """A part's ValidationError under the field name the caller gave it."""
    try:
        yield
    except ValidationError as exc:
        if exc.field not in names:
            raise
        raise ValidationError(names[exc.field], exc.message) from None


@typed_input()
@transaction
def set_up_floor(
    desk: Desk,
    who: Identity,
    *,
    centre_code: str,
    centre_name: str,
    channel: str,
    site_code: str,
    site_name: str,
    zone_name: str,
    state: str,
    logon: str,
    name: str,
    role: str,
) -> FloorSetUp:
    """The first run (R7): the Centre, its first site and the first staff member, in one
    transaction with an event each, or nothing at all when any part is refused. A first
    member who is a Team Leader gets the admin flag, to set up the rest of the floor (R6).
    A refused field is named as given here (``centre_code``, ``site_code``, ``zone_name``...)."""
    with _fields(_CENTRE_FIELDS):
        centre = _centre_input(centre_code, centre_name, channel, "")
    with _fields(_SITE_FIELDS):
        site = _site_input(desk, site_code, site_name, centre.code, zone_name, state, "", "")
    admin = floor.may_hold_admin(role.strip().upper()) is None  # R6: the flag is a TL's
    staff = _staff_input(logon, name, role, site.code, None, False, None, "", admin)
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        with _fields(_CENTRE_FIELDS):
            made_centre = _insert_centre(desk, session, actor_id, centre)
        with _fields(_SITE_FIELDS):
            made_site = _insert_site(desk, session, actor_id, site)
        made_staff = _insert_staff(desk, session, actor_id, staff)
    return FloorSetUp(made_centre, made_site, made_staff)


@dataclass(frozen=True)
class LoginChange:
    """A staff member's PostgreSQL login: what was granted, or the SQL a DBA runs (R7)."""

    logon: str
    login: str
    report: pgroles.RoleReport
    admin: bool = False  # in tpsdesk_admin too

    def to_json(self) -> dict[str, Any]:
        return {"logon": self.logon, "login": self.login, "admin": self.admin, **self.report.to_json()}


def login_name(desk: Desk, logon: str) -> str:
    """The PostgreSQL login of a staff logon: the policy's [identity] logins, else the same name."""
    return desk.policy.identity.login_of(logon)


def check_login_name(desk: Desk, logon: str) -> str:
    """Refuse, before anything is written, a login ``--login`` could not create (plain names only)."""
    if desk.store.dialect != "postgresql":
        raise ValidationError(
            "--login", "a SQLite floor has no database logins: its file's owner acts for its staff (R7)"
        )
    return pgroles.check_login(login_name(desk, clean(logon, multiline=False).strip()))


@typed_input()
@transaction
def provide_login(desk: Desk, who: Identity, logon: str) -> LoginChange:
    """``staff add --login``: create the member's login role in ``tpsdesk_staff`` (and
    ``tpsdesk_admin`` for an admin), or grant an existing one, when the acting login may;
    otherwise the SQL a DBA runs and nothing changes. A grant is an event (``login-granted``)."""
    name = check_login_name(desk, logon)
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        staff = session.exec(select(Staff).where(Staff.logon == logon)).first()
        if staff is None:
            raise NotFound(f"no staff member with logon {logon!r} (tpsdesk staff list)")
        report = pgroles.provide_login(session.connection(), name, admin=staff.admin)
        if report.applied:
            record_event(session, desk.now(), actor_id, "login-granted", logon=logon, login=name, admin=staff.admin)
    return LoginChange(logon, name, report, staff.admin)


@dataclass(frozen=True)
class AdminChange:
    """``staff admin``: the member after the change; on PostgreSQL, their login's admin group."""

    staff: StaffView
    changed: bool
    login: LoginChange | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **self.staff.to_json(),
            "changed": self.changed,
            "login": self.login.to_json() if self.login else None,
        }


def _may_hold_admin(role: str, admin: bool) -> None:
    refusal = floor.may_hold_admin(role) if admin else None
    if refusal is not None:
        raise ValidationError(refusal.field, refusal.text)


@typed_input()
@transaction
def set_admin(desk: Desk, who: Identity, logon: str, admin: bool = True) -> AdminChange:
    """Grant (or revoke) the admin flag (R7); a change is an event, ``admin-granted`` or
    ``admin-revoked``. On PostgreSQL the member's login joins or leaves ``tpsdesk_admin``
    when the acting login may (else the SQL a DBA runs is reported)."""
    logon = clean(logon, multiline=False).strip()
    login: LoginChange | None = None
    with desk.store.write() as session:
        actor_id = require_setup(session, who)
        staff = session.exec(select(Staff).where(Staff.logon == logon)).first()
        if staff is None:
            raise NotFound(f"no staff member with logon {logon!r} (tpsdesk staff list)")
        changed = staff.admin != admin
        _may_hold_admin(staff.role, admin)
        if changed:
            staff.admin = admin
            session.add(staff)
            kind = "admin-granted" if admin else "admin-revoked"
            record_event(session, desk.now(), actor_id, kind, logon=logon)
            try:
                session.flush()
            except StaleDataError:
                raise Conflict(f"staff member {logon} was changed by someone else meanwhile: try again") from None
        if desk.store.dialect == "postgresql":
            name = login_name(desk, logon)
            report = pgroles.set_admin_login(session.connection(), name, admin=admin)
            login = LoginChange(logon, name, report, admin) if report is not None else None
    view = next(v for v in list_staff(desk) if v.logon == logon)
    return AdminChange(view, changed, login)


def list_centres(desk: Desk) -> list[CentreView]:
    with desk.store.read() as session:
        return [
            CentreView(c.code, c.name, c.channel, c.sp_mailbox)
            for c in session.exec(select(Centre).order_by(Centre.code)).all()
        ]


def list_sites(desk: Desk) -> list[SiteView]:
    with desk.store.read() as session:
        rows = session.exec(
            select(Site, Centre.code).join(Centre, col(Centre.id) == Site.centre_id).order_by(Site.code)
        ).all()
        return [SiteView.of(s, c) for s, c in rows]


@typed_input()
def list_staff(desk: Desk, *, site: str | None = None, role: str | None = None) -> list[StaffView]:
    with desk.store.read() as session:
        stmt = (
            select(Staff, Centre, Site)
            .join(Centre, col(Centre.id) == Staff.centre_id)
            .join(Site, col(Site.id) == Staff.site_id)
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
                st.admin,
            )
            for st, c, si in rows
        ]


@typed_input()
def whoami(desk: Desk, logon: str) -> Actor:
    with desk.store.read() as session:
        return actor_for(session, logon)


@typed_input()
def match_logon(desk: Desk, candidate: str) -> str | None:
    """The active staff logon that ``candidate`` names, ignoring case (the app's start-up
    matches ``--user``, ``TPSDESK_USER`` or the OS user with it); None when nobody matches."""
    candidate = candidate.strip()
    if not candidate:
        return None
    with desk.store.read() as session:
        found = session.exec(
            select(Staff.logon)
            .where(func.lower(Staff.logon) == candidate.lower(), col(Staff.active).is_(True))
            .order_by(Staff.logon)
        ).first()
        return str(found) if found is not None else None


@dataclass(frozen=True)
class SignIn:
    """Who signs in (R7), their Centre, the site they work at (or the one asked for) and its
    zone (C1), and the codes of their Centre's sites."""

    actor: Actor
    centre: str
    site: str
    zone: str
    sites: tuple[str, ...]


@typed_input()
def sign_in(desk: Desk, logon: str, *, site: str | None = None) -> SignIn:
    """The app's sign-in in one read: the staff member (unknown or inactive is refused, as for
    ``whoami``), their Centre and site; ``site`` (``--site``) is used when it is a known site."""
    with desk.store.read() as session:
        actor = actor_for(session, logon)
        centre = session.exec(select(Centre.code).where(Centre.id == actor.centre_id)).one()
        own = session.exec(select(Site.code, Site.zone).where(Site.centre_id == actor.centre_id)).all()
        chosen = None
        if site:
            chosen = session.exec(select(Site.code, Site.zone).where(Site.code == site.strip().upper())).first()
        if chosen is None:
            chosen = session.exec(select(Site.code, Site.zone).where(Site.id == actor.site_id)).one()
        code, zone_name = chosen
        return SignIn(actor, str(centre), str(code), str(zone_name), tuple(sorted(str(c) for c, _z in own)))


def calendar_of(desk: Desk, site: Site) -> SiteCalendar:
    """A database site's calendar (C2, C3): the desk's, through the one builder."""
    return desk.calendar(site)


@typed_input()
def site_calendar_for(desk: Desk, code: str) -> SiteCalendar:
    """A site's calendar from the database (``due --site`` when there is a database)."""
    with desk.store.read() as session:
        return calendar_of(desk, _site(session, code))


@typed_input()
def viewer_zone(desk: Desk, logon: str | None) -> str | None:
    """The zone of the site where ``logon`` sits: the CLI viewer's zone (C9); None if unknown."""
    if not logon:
        return None
    with desk.store.read() as session:
        row = session.exec(
            select(Site.zone).join(Staff, col(Staff.site_id) == Site.id).where(Staff.logon == logon)
        ).first()
        return str(row) if row else None


# ---------------------------------------------------------------- C3: a site's own holiday changes
@dataclass(frozen=True)
class SiteDetail:
    """A site with every date its calendar adds or removes and where each comes from (C3)."""

    site: SiteView
    policy_extra: tuple[str, ...]  # from [business.*_holidays.STATE] and [sites.CODE]
    policy_removed: tuple[str, ...]
    extra: tuple[str, ...]  # the calendar in use: every layer together
    removed: tuple[str, ...]
    names: dict[str, str] = field(default_factory=dict)  # date -> the holiday a removed date would have been

    def to_json(self) -> dict[str, Any]:
        out = asdict(self.site)
        out["calendar"] = {
            "extra_holidays": list(self.extra),
            "removed_holidays": list(self.removed),
            "policy_extra_holidays": list(self.policy_extra),
            "policy_removed_holidays": list(self.policy_removed),
        }
        return out


def _row_dates(text: str | None) -> frozenset[date]:
    """A row's comma-separated dates; a bad one in the database names the column."""
    return parse_dates(text or "", "site holidays")


def _site(session: Session, code: str) -> Site:
    s = session.exec(select(Site).where(Site.code == code.strip().upper())).first()
    if s is None:
        raise NotFound(f"site: no site with code {code!r} in the database (tpsdesk site list)")
    return s


def _iso(days: frozenset[date]) -> tuple[str, ...]:
    return tuple(d.isoformat() for d in sorted(days))


@typed_input()
def site_detail(desk: Desk, code: str) -> SiteDetail:
    """``tpsdesk site show``: the site and the dates its calendar adds and removes (C3)."""
    with desk.store.read() as session:
        s = _site(session, code)
        centre = session.get(Centre, s.centre_id)
        assert centre is not None
        cal = calendar_of(desk, s)
        p_extra, p_removed = policy_changes(desk.policy, s.state, s.code)
        names = {d.isoformat(): state_holidays(s.state, d.year).get(d, "") for d in cal.removed}
        return SiteDetail(
            SiteView.of(s, centre.code), _iso(p_extra), _iso(p_removed), _iso(cal.extra), _iso(cal.removed), names
        )


def _change_dates(option: str, values: Sequence[str | date]) -> list[date]:
    days: list[date] = []
    for value in values:
        days.extend(sorted(parse_dates([value], option)))
    for day in days:
        check_year(option, day)  # a holiday year is built for it: never year 1 or 9999
    return days


@typed_input()
@transaction
def set_site_holidays(
    desk: Desk,
    who: Identity,
    code: str,
    *,
    add: Sequence[str | date] = (),
    remove: Sequence[str | date] = (),
    clear: Sequence[str | date] = (),
) -> SiteDetail:
    """Add a site's extra holidays, remove holidays it does not keep, or forget a change (C3).

    ``add``: a date the site does not work (a proclaimed day, a local show day).
    ``remove``: a public holiday of the state (or the policy) that the site works.
    ``clear``: forget the site's own change for a date. Each change is a history
    Event ``site-holidays``; nothing is written if any date is refused.
    """
    adds, removes, clears = _change_dates("add", add), _change_dates("remove", remove), _change_dates("clear", clear)
    seen: dict[date, str] = {}
    for option, days in (("add", adds), ("remove", removes), ("clear", clears)):
        for d in days:
            if seen.get(d, option) != option:
                raise ValidationError(
                    option, f"{d.isoformat()} is given to both {seen[d]} and {option}: give each date once"
                )
            seen[d] = option
    with desk.store.write() as session:
        actor_id = require_setup(session, who)  # a site's calendar is the floor's set-up (R7)
        s = _site(session, code)
        extra, removed = set(_row_dates(s.extra_holidays)), set(_row_dates(s.removed_holidays))
        # What the site would keep without its own changes: the state's and the policy's dates.
        base = build_calendar(desk.policy, code=s.code, zone_name=s.zone, state=s.state)
        changes: list[tuple[str, date]] = []
        for d in adds:
            if d.weekday() >= 5:
                raise ValidationError("add", f"{fmt_day(d)} is a weekend: it is never a business day, nothing to add")
            if d in extra:
                continue  # already added: no change
            name = base.holiday_name(d)
            if name and d not in removed:
                raise ValidationError("add", f"{fmt_day(d)} is already a holiday at {s.code} ({name}): nothing to add")
            if name:
                removed.discard(d)  # the site keeps the public holiday again
            else:
                extra.add(d)
            changes.append(("add", d))
        for d in removes:
            if d in removed:
                continue
            name = base.holiday_name(d)
            if not name:
                raise ValidationError(
                    "remove",
                    f"{fmt_day(d)} is not a public holiday at {s.code} ({s.state}): nothing to remove"
                    + ("; to forget a date the site added use --clear" if d in extra else ""),
                )
            if d.weekday() >= 5:
                raise ValidationError(
                    "remove", f"{fmt_day(d)} is a weekend: removing {name} would not make it a business day"
                )
            extra.discard(d)
            removed.add(d)
            changes.append(("remove", d))
        for d in clears:
            if d not in extra and d not in removed:
                raise ValidationError("clear", f"{s.code} has no added or removed date {d.isoformat()} to clear")
            extra.discard(d)
            removed.discard(d)
            changes.append(("clear", d))
        if changes:
            s.extra_holidays = dates_text(extra)
            s.removed_holidays = dates_text(removed)
            session.add(s)
            now = desk.now()
            for change, d in changes:
                record_event(session, now, actor_id, "site-holidays", site=s.code, change=change, date=d.isoformat())
            try:
                session.flush()  # the row's version moves on: cached calendars of the old version are not reused
            except StaleDataError:
                raise Conflict(f"site {s.code} was changed by someone else meanwhile: show it and try again") from None
    return site_detail(desk, code)


def parse_date(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not a date like 2026-12-24") from exc
    check_year(field, day)
    return day
